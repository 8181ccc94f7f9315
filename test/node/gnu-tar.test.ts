/**
 * GNU tar as the oracle: archives it writes, in each of its formats, with
 * "./" names, long and non-ASCII names and binary contents, compressed by
 * its own gzip and zstd, open as the folder they came from, and each member
 * holds what GNU tar extracts for it.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

let dir = "";
tempDirPerTest("criu-image-gnu-tar-", (d) => {
  dir = d;
});

const LONG = `artifacts/${"deep-folder-".repeat(12)}/naïve-名前.bin`;

/** A Podman-style export folder: checkpoint/ with tcp4's images, metadata and binary artifacts beside it. */
function exportFolder(): string {
  requireCorpus();
  const top = join(dir, "export");
  const images = join(corpusRoot, "images", "tcp4");
  mkdirSync(join(top, "checkpoint"), { recursive: true });
  for (const n of readdirSync(images)) copyFileSync(join(images, n), join(top, "checkpoint", n));
  writeFileSync(join(top, "config.dump"), JSON.stringify({ id: "c0ffee", name: "web" }));
  writeFileSync(
    join(top, "spec.dump"),
    JSON.stringify({ annotations: { "io.container.manager": "libpod", "io.kubernetes.cri-o.ContainerID": "x" } }),
  );
  mkdirSync(join(top, LONG, ".."), { recursive: true });
  // Sizes around the 512-byte block: a body that ends exactly at a block, one byte past it, and one short of it.
  writeFileSync(join(top, LONG), randomBytes(4096 * 3 + 1));
  writeFileSync(join(top, "artifacts", "block"), randomBytes(512));
  writeFileSync(join(top, "artifacts", "short"), randomBytes(511));
  writeFileSync(join(top, "artifacts", "empty"), new Uint8Array(0));
  return top;
}

/** Every regular file GNU tar extracts from `archive`, by path with "./" removed. */
function extracted(archive: string): Map<string, Buffer> {
  const out = join(dir, `x-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  execFileSync("tar", ["xf", archive, "-C", out]);
  const files = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(out, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else files.set(p, readFileSync(join(out, p)));
    }
  };
  walk("");
  return files;
}

describe("archives written by GNU tar", () => {
  const formats = ["gnu", "pax", "posix", "oldgnu"];
  const compressions: [string, string[], string][] = [
    ["none", [], "tar"],
    ["gzip", ["-z"], "tar.gz"],
    ["zstd", ["--zstd"], "tar.zst"],
  ];
  for (const format of formats)
    for (const [compression, flag, ext] of compressions) {
      it(`--format=${format}, ${compression}, names starting with "./": every member as GNU tar extracts it`, async () => {
        const top = exportFolder();
        const archive = join(dir, `ck.${ext}`);
        execFileSync("tar", ["cf", archive, ...flag, `--format=${format}`, "-C", top, "."]);
        // The names really start with "./" (GNU tar writes them so for "-C top .").
        const names = execFileSync("tar", ["tf", archive]).toString().trim().split("\n");
        expect(names).toContain("./checkpoint/inventory.img");
        const want = extracted(archive);
        const cp = await openCheckpoint(archive);
        expect(cp.source.archive).toMatchObject({ compression, layout: "podman", imagesDir: "checkpoint" });
        expect(cp.source.unsafe ?? []).toEqual([]);
        expect(cp.source.notes).toEqual([]);
        const folder = await openCheckpoint(join(top, "checkpoint"));
        expect(cp.names()).toEqual(folder.names());
        let images = 0;
        for (const [path, bytes] of want) {
          if (path.startsWith("checkpoint/")) {
            const name = path.slice("checkpoint/".length);
            expect(cp.size(name), path).toBe(bytes.length);
            if (name.startsWith("pages-")) continue;
            expect(Buffer.compare(cp.bytes(name) as Uint8Array, bytes), path).toBe(0);
            images++;
          } else {
            const c = cp.source.companions.get(path);
            expect(c, path).toBeDefined();
            expect(c?.size, path).toBe(bytes.length);
            expect(Buffer.compare(c?.bytes() as Uint8Array, bytes), path).toBe(0);
          }
        }
        expect(images).toBe(folder.names().filter((n) => !n.startsWith("pages-")).length);
        expect(cp.source.companions.size).toBe([...want.keys()].filter((p) => !p.startsWith("checkpoint/")).length);
      });
    }
});
