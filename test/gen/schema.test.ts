import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getExtension } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { criu } from "../../src/gen/index.js";
import { IMAGE_KINDS, messageSchema, schemaRegistry } from "../../src/index.js";

const root = resolve(__dirname, "..", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

describe("schema", () => {
  it("src/gen is what buf + protoc-gen-es and our decoder generator make from proto/ now", () => {
    const out = mkdtempSync(join(tmpdir(), "criu-image-gen-"));
    try {
      execFileSync(bin("buf"), ["generate", "-o", out], { cwd: root, stdio: "pipe" });
      const gen = join(out, "src", "gen");
      execFileSync(process.execPath, [join(root, "scripts", "gen-decoders.mjs"), gen], { cwd: root });
      execFileSync(process.execPath, [join(root, "scripts", "gen-index.mjs"), gen], { cwd: root });
      const want = readdirSync(gen).sort();
      const have = readdirSync(join(root, "src", "gen")).sort();
      expect(have).toEqual(want);
      for (const f of want) {
        expect(readFileSync(join(root, "src", "gen", f), "utf8"), `src/gen/${f} is stale: run npm run generate`).toBe(
          readFileSync(join(gen, f), "utf8"),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("every kind names messages that exist in the schema", () => {
    for (const k of IMAGE_KINDS) {
      if (k.raw) continue;
      expect(messageSchema(k.schema).typeName).toBe(k.schema);
      if (k.schemaRest) expect(messageSchema(k.schemaRest).typeName).toBe(k.schemaRest);
    }
  });

  it("carries CRIU's custom field options ((criu).hex, ipadd, flags, dict, conv, dev)", () => {
    expect(schemaRegistry().getExtension("criu")?.number).toBe(1018);
    const opt = (msg: string, field: string) => {
      const f = messageSchema(msg).fields.find((x) => x.name === field)!;
      return getExtension(f.proto.options!, criu);
    };
    expect(opt("inet_sk_entry", "src_addr").ipadd).toBe(true);
    expect(opt("inet_sk_entry", "family").dict).toBe("sk");
    expect(opt("vma_entry", "start").hex).toBe(true);
    expect(opt("reg_file_entry", "flags").flags).toBe("rfile.flags");
    expect(opt("unix_sk_entry", "name").conv).toBe("unix_name");
    expect(opt("ghost_file_entry", "rdev").odev).toBe(true);
  });
});
