/** filesByType: the files.img entries the rules read, from what the checkpoint holds now. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/checkpoint.js";
import { CriuImageError } from "../../src/framing/errors.js";
import { fd_types } from "../../src/gen/index.js";
import { filesByType } from "../../src/preflight/files-of.js";
import { preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint, legacyLayout } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { type FakeFile, fakeHost } from "../helpers/fake-host.js";

const SKIP = new Set([fd_types.INETSK]);

describe("filesByType", () => {
  it("reads a files.img decoded and changed in memory, not its bytes", async () => {
    const cp = Checkpoint.of(corpusCheckpoint("memory"));
    const reg = cp.kind("files.img", "FILES")?.entries.find((f) => f.reg?.name.endsWith("/filemap.dat"))?.reg;
    if (!reg) throw new Error("memory has filemap.dat");
    reg.name = "/nowhere/else.dat";
    const names = (filesByType(cp, SKIP).get(fd_types.REG) ?? []).map((f) => f.reg?.name);
    expect(names).toContain("/nowhere/else.dat");
    expect(names.filter((n) => n?.endsWith("/filemap.dat"))).toEqual([]);
    // And the files rule says so: every other file is where crit saw it.
    const files = new Map<string, FakeFile>();
    for (const e of JSON.parse(readFileSync(join(critDir("memory"), "files.img.json"), "utf8")).entries)
      if (e.type === "REG") files.set(e.reg.name, { mode: e.reg.mode ?? 0o100644, size: e.reg.size ?? 4096 });
    const r = await preflight(cp, fakeHost(files), { rules: ["files", "mappings"] });
    expect(r.rules.flatMap((x) => x.findings.map((f) => f.subject))).toEqual(["/nowhere/else.dat"]);
  });

  it("finds nothing, and does not fail, where files.img is not there", () => {
    const legacy = legacyLayout(corpusCheckpoint("memory"), { allSockets: true, regFiles: true });
    legacy.delete("files.img");
    expect(filesByType(Checkpoint.of(legacy), SKIP).size).toBe(0);
  });

  it("steps over inet sockets and keeps every other entry, by type, in file order", () => {
    const cp = Checkpoint.of(corpusCheckpoint("mixed-sockets"));
    const all = cp.kind("files.img", "FILES")?.entries ?? [];
    const fresh = Checkpoint.of(corpusCheckpoint("mixed-sockets"));
    const byType = filesByType(fresh, SKIP);
    expect(all.some((f) => f.type === fd_types.INETSK)).toBe(true);
    expect(byType.has(fd_types.INETSK)).toBe(false);
    for (const [type, list] of byType)
      expect(list.map((f) => f.id)).toEqual(all.filter((f) => f.type === type).map((f) => f.id));
    expect([...byType.values()].flat().length).toBe(all.filter((f) => f.type !== fd_types.INETSK).length);
  });

  it("names the entry whose type cannot be read, at its payload's offset", () => {
    const images = corpusCheckpoint("memory");
    const bytes = (images.get("files.img") as Uint8Array).slice();
    const v = new DataView(bytes.buffer);
    // The second entry: after the two magics and the first entry's size and payload.
    const second = 8 + 4 + v.getUint32(8, true);
    bytes[second + 4] = 0x0f; // field 1 of wire type 7, which does not exist
    images.set("files.img", bytes);
    let err: unknown;
    try {
      filesByType(Checkpoint.of(images), SKIP);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CriuImageError);
    expect(err).toMatchObject({ image: "files.img", offset: second + 4 });
  });
});
