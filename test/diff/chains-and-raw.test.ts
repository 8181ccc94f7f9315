/**
 * Differences the top dump's images do not show: pages that differ only in
 * a pre-dump parent; raw images that grow, shrink or differ across the
 * 1 MiB window diff reads them in.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { diffCheckpoints, diffImages } from "../../src/diff/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";
import { chainMarkers } from "../helpers/markers.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-diff-chain-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("diff", () => {
  it("finds pages that differ only in the parent dump, and calls the checkpoints different", async () => {
    const chain = join(corpusRoot, "chains", "images", "predump");
    const [a, b] = [join(work, "a"), join(work, "b")];
    cpSync(chain, a, { recursive: true, verbatimSymlinks: true });
    cpSync(chain, b, { recursive: true, verbatimSymlinks: true });
    // MARK-HEAP-bravo is a PE_PARENT page of task 188 in 2: its bytes are in 1/pages-1.img + 0x32a8 (corpus README).
    const heap = chainMarkers().find((m) => m.name === "MARK-HEAP-bravo");
    expect(heap?.address).toBe(0x55dba4ce22a8n);
    const pages = join(b, "1", "pages-1.img");
    const bytes = readFileSync(pages);
    expect(bytes.subarray(0x32a8, 0x32a8 + 15).toString()).toBe("MARK-HEAP-bravo");
    bytes[0x32a8] = 0x6d;
    writeFileSync(pages, bytes);
    const [x, y] = [await openCheckpoint(join(a, "2")), await openCheckpoint(join(b, "2"))];
    // The top dumps are byte for byte the same: without memory, nothing differs.
    expect(await diffCheckpoints(x, y)).toMatchObject({ same: true, images: [] });
    const r = await diffCheckpoints(x, y, { memory: true });
    expect(r.same).toBe(false);
    expect(r.images).toEqual([]);
    expect(r.memory?.map((p) => [p.pid, p.pages, p.count])).toEqual([[188, ["0x55dba4ce2000"], 1]]);
    expect((await diffCheckpoints(x, await openCheckpoint(join(a, "2")), { memory: true })).same).toBe(true);
  });

  it("reports raw images that grow, shrink or differ across a 1 MiB window, with exact ranges", async () => {
    const size = (1 << 20) + 100;
    const base = new Uint8Array(size).map((_, i) => i & 0xff);
    const grown = new Uint8Array(size + 10);
    grown.set(base);
    const across = base.slice();
    across[(1 << 20) - 1] = 0;
    across[1 << 20] = 1;
    const cp = (pages: Uint8Array) => new Checkpoint(memorySource(new Map([["pages-1.img", pages]])));
    const [grow] = await diffImages(cp(base), cp(grown));
    expect(grow).toMatchObject({
      image: "pages-1.img",
      ranges: [[size, size + 10]],
      changedBytes: 10,
      sizes: [size, size + 10],
    });
    const [shrink] = await diffImages(cp(grown), cp(base));
    expect(shrink).toMatchObject({ ranges: [[size, size + 10]], changedBytes: 10 });
    const [window] = await diffImages(cp(base), cp(across));
    expect(window).toMatchObject({ ranges: [[(1 << 20) - 1, (1 << 20) + 1]], changedBytes: 2 });
    expect(await diffImages(cp(base), cp(base.slice()))).toEqual([]);
  });
});
