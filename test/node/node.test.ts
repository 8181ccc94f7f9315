import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeImage } from "../../src/index.js";
import { openCheckpoint, openImageFile, readImageFile, writeFileAtomic, writeImageFile } from "../../src/node/index.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "criu-image-node-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("node helpers", () => {
  it("reads, streams and atomically rewrites an image file", async () => {
    requireCorpus();
    const src = join(corpusRoot, "images", "tcp4", "files.img");
    const img = await readImageFile(src);
    expect(img.kind).toBe("FILES");
    const s = await openImageFile(src);
    let n = 0;
    for await (const _ of s.entries) n++;
    expect(n).toBe(img.entries.length);
    const out = join(dir, "files.img");
    await writeImageFile(out, img);
    expect(Buffer.compare(readFileSync(out), readFileSync(src))).toBe(0);
    expect(readdirSync(dir)).toEqual(["files.img"]);
  });

  it("leaves the original in place and no temp file when the write fails", async () => {
    const p = join(dir, "x.img");
    writeFileSync(p, "old");
    async function* failing() {
      yield new Uint8Array([1, 2, 3]);
      throw new Error("boom");
    }
    await expect(writeFileAtomic(p, failing())).rejects.toThrow("boom");
    expect(readFileSync(p, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["x.img"]);
  });

  it("refuses to write an image that would not read back, keeping the original", async () => {
    requireCorpus();
    const p = join(dir, "tcp-stream-50ba6.img");
    const orig = readFileSync(join(corpusRoot, "images", "tcp4", "tcp-stream-50ba6.img"));
    writeFileSync(p, orig);
    const img = await readImageFile(p);
    if (img.kind !== "TCP_STREAM") throw new Error("kind");
    img.extras[0] = { inq: new Uint8Array(1), outq: new Uint8Array(0) };
    await expect(writeImageFile(p, img)).rejects.toThrow(/inq_len/);
    expect(Buffer.compare(readFileSync(p), orig)).toBe(0);
    expect(() => writeImage(img)).toThrow();
  });

  it("opens a checkpoint folder lazily: names without pages read, temp files and bookkeeping passed over", async () => {
    requireCorpus();
    const cp = await openCheckpoint(join(corpusRoot, "images", "tcp4"));
    expect(cp.names()).toContain("pages-1.img");
    expect(cp.bytes("inventory.img")?.length).toBeGreaterThan(0);
    writeFileSync(join(dir, ".criu-image-tmp-0123456789ab-a.img"), "x");
    writeFileSync(join(dir, ".criu-image-lock"), "1");
    writeFileSync(join(dir, "inventory.img"), "x");
    expect((await openCheckpoint(dir)).names()).toEqual(["inventory.img"]);
  });
});
