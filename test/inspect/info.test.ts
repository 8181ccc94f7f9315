/**
 * checkpointInfo, field by field, against what the file system and GNU tar
 * say of the same checkpoints (not against our own readers).
 */
import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointInfo } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const archives = join(corpusRoot, "archives");

describe("checkpointInfo", () => {
  it("a folder: its images, the bytes of its pages files, nothing else", async () => {
    const dir = join(corpusRoot, "images", "simple");
    const names = readdirSync(dir);
    const pages = names.filter((n) => n.startsWith("pages-")).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
    expect(checkpointInfo(await openCheckpoint(dir))).toEqual({
      path: dir,
      type: "folder",
      kind: "dump",
      images: names.length,
      pagesBytes: pages,
      otherFiles: [],
      companions: [],
      unsafe: [],
      container: null,
      notes: [],
    });
  });

  it("a dump on a pre-dump: where its parent link leads", async () => {
    const dir = join(corpusRoot, "chains", "images", "predump", "2");
    const link = join(dir, "parent");
    const target = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : readFileSync(link, "utf8").trim();
    const info = checkpointInfo(await openCheckpoint(dir));
    expect(info.parent).toBe(target);
    expect(info.kind).toBe("dump");
  });

  it("a Podman export, plain and compressed: layout, images folder, engine files, the container", async () => {
    for (const [file, compression] of [
      ["podman-web.tar", "none"],
      ["podman-web.tar.gz", "gzip"],
      ["podman-web.tar.zst", "zstd"],
    ] as const) {
      const path = join(archives, file);
      // Three separate checkpoints (the corpus README): each is compared with its own listing.
      const members = execFileSync("tar", ["tvf", path]).toString().trim().split("\n");
      const files = members.filter((l) => l.startsWith("-")).map((l) => l.split(/\s+/));
      const name = (f: string[]) => f.slice(5).join(" ");
      const images = files.filter((f) => name(f).startsWith("checkpoint/"));
      const top = files.filter((f) => !name(f).includes("/")).map(name);
      const pages = images.filter((f) => name(f).startsWith("checkpoint/pages-")).reduce((s, f) => s + Number(f[2]), 0);
      const info = checkpointInfo(await openCheckpoint(path));
      expect(info).toMatchObject({
        path,
        type: "archive",
        compression,
        layout: "podman",
        imagesDir: "checkpoint",
        kind: "dump",
        // descriptors.json is runc's, not CRIU's.
        images: images.length - 1,
        pagesBytes: pages,
        companions: [...top].sort(),
        unsafe: [],
        notes: [],
      });
      expect(info.otherFiles).toEqual([expect.stringMatching(/^descriptors\.json \(runc\/crun: .+\)$/)]);
      expect(info.container?.engine).toBe("podman");
      expect(info.parent).toBeUndefined();
    }
  });
});
