import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { fstype, mnt_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, kindByName, readImage, writeImage } from "../../src/index.js";
import { TEMP_PREFIX } from "../../src/node/atomic.js";
import { JOURNAL } from "../../src/node/journal.js";
import { corpusRoot, requireCorpus } from "./corpus.js";

/** The sizes of a corpus dump's pages-* images (which corpusCheckpoint leaves out), for memorySource's `sizes`. */
export function corpusPageSizes(scenario: string): Map<string, number> {
  const dir = join(corpusRoot, "images", scenario);
  return new Map(
    readdirSync(dir)
      .filter((n) => n.startsWith("pages-"))
      .map((n) => [n, statSync(join(dir, n)).size] as [string, number]),
  );
}

/** A corpus checkpoint in memory (all images but pages-*). */
export function corpusCheckpoint(scenario: string): Map<string, Uint8Array> {
  return corpusFiles(scenario, (name) => !name.startsWith("pages-"));
}

/** A corpus dump in memory, every file of it, pages-* included. */
export function corpusDump(scenario: string): Map<string, Uint8Array> {
  return corpusFiles(scenario, () => true);
}

function corpusFiles(scenario: string, want: (name: string) => boolean): Map<string, Uint8Array> {
  requireCorpus();
  const dir = join(corpusRoot, "images", scenario);
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).sort())
    if (want(name)) out.set(name, new Uint8Array(readFileSync(join(dir, name))));
  return out;
}

/**
 * The same checkpoint in the layout of CRIU before 3.4: inet sockets in
 * inetsk.img (and, with `allSockets`, unix, netlink and packet sockets in
 * unixsk.img, netlinksk.img and packetsk.img; with `regFiles`, regular files
 * in reg-files.img; with `pipes`, pipes in pipes.img), files.img without them. No real legacy checkpoint
 * exists here.
 */
export function legacyLayout(
  cp: ReadonlyMap<string, Uint8Array>,
  options: { allSockets?: boolean; regFiles?: boolean; pipes?: boolean } = {},
): Map<string, Uint8Array> {
  const files = readImage(cp.get("files.img") as Uint8Array, { name: "files.img" });
  if (files.kind !== "FILES") throw new Error("files.img");
  const moved: (readonly [kind: string, image: string, field: "isk" | "usk" | "nlsk" | "psk" | "reg" | "pipe"])[] = [
    ["INETSK", "inetsk.img", "isk"],
    ...(options.allSockets
      ? ([
          ["UNIXSK", "unixsk.img", "usk"],
          ["NETLINK_SK", "netlinksk.img", "nlsk"],
          ["PACKETSK", "packetsk.img", "psk"],
        ] as const)
      : []),
    ...(options.regFiles ? ([["REG_FILES", "reg-files.img", "reg"]] as const) : []),
    ...(options.pipes ? ([["PIPES", "pipes.img", "pipe"]] as const) : []),
  ];
  const out = new Map(cp);
  out.set("files.img", writeImage({ ...files, entries: files.entries.filter((f) => !moved.some(([, , k]) => f[k])) }));
  for (const [kind, image, field] of moved) {
    const entries = files.entries.flatMap((f) => (f[field] ? [f[field]] : []));
    out.set(image, entryImage(kind, entries));
  }
  return out;
}

/** Decodes image `name` of an in-memory checkpoint, lets `fn` change it, and writes it back in place. */
export function editImage<K extends CriuImage["kind"]>(
  cp: Map<string, Uint8Array>,
  name: string,
  fn: (img: Extract<CriuImage, { kind: K }>) => void,
): void {
  const img = readImage(cp.get(name) as Uint8Array, { name }) as Extract<CriuImage, { kind: K }>;
  fn(img);
  cp.set(name, writeImage(img));
}

/** A v1.1 image of `kind` holding these entries (none: an image of its magics alone). */
export function entryImage(kind: string, entries: readonly unknown[] = []): Uint8Array {
  return writeImage({ kind, format: "v1.1", magic: kindByName(kind)?.magic, entries } as unknown as CriuImage);
}

/**
 * Gives a checkpoint a mount table (mountpoints-1.img): the root file system as mount 1, and a tmpfs on
 * /srv/ckpt/work, where the corpus dumps kept their files, as mount 5.
 */
export function addWorkTmpfs(cp: Map<string, Uint8Array>): void {
  const base = { root: "/", source: "none", options: "rw", flags: 0, rootDev: 1 };
  const entries = [
    create(mnt_entrySchema, {
      ...base,
      fstype: fstype.AUTO,
      fsname: "ext4",
      mountpoint: "/",
      mntId: 1,
      parentMntId: 0,
    }),
    create(mnt_entrySchema, { ...base, fstype: fstype.TMPFS, mountpoint: "/srv/ckpt/work", mntId: 5, parentMntId: 1 }),
  ];
  cp.set("mountpoints-1.img", entryImage("MNTS", entries));
}

/**
 * Leaves a checkpoint folder as a rewrite of `images` interrupted after its commit, before its renames: each
 * image's temporary file (holding its own bytes again) and the journal that names them.
 */
export function pendingRewrite(dir: string, images: readonly string[]): void {
  const pairs = images.map((name, i) => {
    const tmp = `${TEMP_PREFIX}0123456789a${i}-${name}`;
    writeFileSync(join(dir, tmp), readFileSync(join(dir, name)));
    return [tmp, name];
  });
  writeFileSync(join(dir, JOURNAL), JSON.stringify(pairs));
}
