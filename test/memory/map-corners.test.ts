/**
 * Where memoryMap sends each mapping's pages, checked against crit's JSON of
 * the same images (files.img names each memfd file's inode, memfd.img each
 * inode's shmid), and what it says when an image it needs is not there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { memoryMap } from "../../src/memory/index.js";
import { corpusCheckpoint, editImage, legacyLayout } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";

const crit = (scenario: string, image: string) =>
  JSON.parse(readFileSync(join(critDir(scenario), `${image}.json`), "utf8")).entries;

describe("memory mappings of memfds", () => {
  const PID = 11670;

  it("each memfd mapping reads from its own inode's shared pagemap (many-fds has two inodes)", () => {
    const inodeOfFile = new Map<number, number>(
      crit("many-fds", "files.img")
        .filter((e: { memfd?: unknown }) => e.memfd)
        .map((e: { id: number; memfd: { inode_id: number } }) => [e.id, e.memfd.inode_id]),
    );
    const shmidOfInode = new Map<number, number>(
      crit("many-fds", "memfd.img").map((e: { inode_id: number; shmid: number }) => [e.inode_id, e.shmid]),
    );
    const want = crit("many-fds", `mm-${PID}.img`)[0]
      .vmas.filter((v: { status: number }) => v.status & (1 << 14))
      .map((v: { shmid: number }) => `pagemap-shmem-${shmidOfInode.get(inodeOfFile.get(v.shmid) as number)}.img`);
    expect(new Set(want).size).toBe(2);
    const got = memoryMap(Checkpoint.of(corpusCheckpoint("many-fds")), PID, 4096)
      .filter((v) => v.kind === "memfd")
      .map((v) => v.pagemap);
    expect(got).toEqual(want);
  });

  it("a memfd whose inode memfd.img does not list is read from the task's own pagemap, which has none of it", () => {
    const cp = corpusCheckpoint("many-fds");
    editImage<"MEMFD_INODE">(cp, "memfd.img", (img) => {
      img.entries = img.entries.filter((i) => Number(i.inodeId) !== 2);
    });
    const memfds = memoryMap(Checkpoint.of(cp), PID, 4096).filter((v) => v.kind === "memfd");
    expect(memfds.map((v) => v.pagemap)).toEqual(["pagemap-shmem-1317.img", `pagemap-${PID}.img`]);
    expect(memfds[1]?.pages.present).toBe(0);
    // Without memfd.img no memfd has a shared object to read from.
    cp.delete("memfd.img");
    const none = memoryMap(Checkpoint.of(cp), PID, 4096).filter((v) => v.kind === "memfd");
    expect(none.map((v) => v.pagemap)).toEqual([`pagemap-${PID}.img`, `pagemap-${PID}.img`]);
  });
});

describe("memoryMap without a pagemap", () => {
  it("counts every page of every VMA as not dumped", () => {
    const cp = corpusCheckpoint("memory");
    cp.delete("pagemap-29313.img");
    const map = memoryMap(Checkpoint.of(cp), 29313, 4096).filter((v) => v.pagemap === "pagemap-29313.img");
    expect(map.length).toBeGreaterThan(10);
    for (const v of map)
      expect(v.pages).toEqual({ present: 0, parent: 0, lazy: 0, notDumped: Number((v.end - v.start) / 4096n) });
  });
});

describe("memoryMap's paths in the legacy layout", () => {
  it("follow an edit of reg-files.img on the same checkpoint", () => {
    const cp = Checkpoint.of(legacyLayout(corpusCheckpoint("memory"), { regFiles: true }));
    const paths = () => memoryMap(cp, 29313, 4096).flatMap((v) => (v.path === null ? [] : [v.path]));
    expect(paths()).toContain("/srv/ckpt/work/memory/filemap.dat");
    for (const r of cp.kind("reg-files.img", "REG_FILES")?.entries ?? [])
      if (r.name === "/srv/ckpt/work/memory/filemap.dat") r.name = "/moved.dat";
    expect(paths()).toContain("/moved.dat");
    expect(paths()).not.toContain("/srv/ckpt/work/memory/filemap.dat");
  });
});
