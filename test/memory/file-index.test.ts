/** The paths memoryMap gives file mappings: from files.img, from the legacy reg-files.img, and after an edit. */
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { memoryMap } from "../../src/memory/index.js";
import { corpusCheckpoint, legacyLayout } from "../helpers/checkpoints.js";

const PID = 29313;
const paths = (cp: Checkpoint) =>
  memoryMap(cp, PID, 4096)
    .filter((v) => v.path !== null)
    .map((v) => v.path);

describe("memoryMap's file paths", () => {
  it("reads them from reg-files.img in dumps older than files.img", () => {
    const now = corpusCheckpoint("memory");
    const want = paths(Checkpoint.of(now));
    expect(want).toContain("/srv/ckpt/work/memory/filemap.dat");
    // The layout before CRIU 3.4: regular files in reg-files.img, not in files.img.
    const old = legacyLayout(now, { regFiles: true });
    expect(old.has("reg-files.img")).toBe(true);
    expect(paths(Checkpoint.of(old))).toEqual(want);
  });

  it("follows an edit of files.img on the same checkpoint instead of keeping the first answer", () => {
    const cp = Checkpoint.of(corpusCheckpoint("memory"));
    expect(paths(cp)).toContain("/srv/ckpt/work/memory/filemap.dat");
    const files = cp.kind("files.img", "FILES");
    for (const f of files?.entries ?? [])
      if (f.reg?.name === "/srv/ckpt/work/memory/filemap.dat") f.reg.name = "/moved.dat";
    // The decoded image is the checkpoint's own: the next read sees the new name.
    expect(paths(cp)).toContain("/moved.dat");
    expect(paths(cp)).not.toContain("/srv/ckpt/work/memory/filemap.dat");
  });
});
