/**
 * Consistency checks over a whole checkpoint: each problem names its image
 * and, where it has one, the entry.
 */
import { CriuImageError } from "../framing/errors.js";
import { kindByFileName } from "../framing/kinds.js";
import type { pagemap_entry, pagemap_head } from "../gen/index.js";
import { enumValueName } from "../image/names.js";
import { PE_PRESENT, pagemapFlags, pagemapPages } from "../image/pagemap.js";
import { readImage } from "../image/read.js";
import type { CriuImage } from "../image/types.js";
import { type Checkpoint, CheckpointReader, socketEntries, tcpStreamName } from "../tcp/index.js";

export interface Problem {
  /** The image the problem is in (or about). */
  image: string;
  /** Index of the entry, where the problem is one entry's. */
  entry?: number;
  /** Stable name of the check that failed. */
  check: "parse" | "unknown-file" | "ids" | "fdinfo" | "tcp-stream" | "pages" | "tasks" | "inventory";
  message: string;
}

export interface VerifyOptions {
  /**
   * Sizes of images left out of `checkpoint` (pages-* need not be read to
   * check them against their pagemaps).
   */
  sizes?: ReadonlyMap<string, number>;
  /** Page size of the dumped machine (4096 on x86-64, arm64 with 4K pages). */
  pageSize?: number;
}

/** Checks a checkpoint; returns every problem found (none: consistent). */
export function verifyCheckpoint(checkpoint: Checkpoint, options: VerifyOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const pageSize = options.pageSize ?? 4096;
  const images = new Map<string, CriuImage>();

  // 1. Every image parses completely.
  for (const name of [...checkpoint.keys()].sort()) {
    if (!kindByFileName(name)) {
      problems.push({ image: name, check: "unknown-file", message: "not a file name CRIU writes" });
      continue;
    }
    try {
      images.set(name, readImage(checkpoint.get(name) as Uint8Array, { name }));
    } catch (e) {
      if (!(e instanceof CriuImageError)) throw e;
      problems.push({ image: name, check: "parse", message: e.message });
    }
  }
  const has = (n: string) => images.has(n) || checkpoint.has(n) || options.sizes?.has(n) === true;
  const get = <K extends CriuImage["kind"]>(n: string, kind: K) => {
    const img = images.get(n);
    return img && img.kind === kind ? (img as Extract<CriuImage, { kind: K }>) : undefined;
  };

  // 6. The inventory.
  const inv = get("inventory.img", "INVENTORY");
  if (!has("inventory.img")) problems.push({ image: "inventory.img", check: "inventory", message: "missing" });
  else if (inv) {
    if (inv.entries.length !== 1)
      problems.push({
        image: "inventory.img",
        check: "inventory",
        message: `${inv.entries.length} entries, expected 1`,
      });
    const e = inv.entries[0];
    if (e && e.imgVersion !== 2)
      problems.push({
        image: "inventory.img",
        entry: 0,
        check: "inventory",
        message: `img_version ${e.imgVersion}, expected 2 (CRIU images v1.1)`,
      });
    if (e && !e.rootIds)
      problems.push({ image: "inventory.img", entry: 0, check: "inventory", message: "no root_ids" });
    if (e && e.lsmtype !== undefined && ![0, 1, 2].includes(e.lsmtype))
      problems.push({ image: "inventory.img", entry: 0, check: "inventory", message: `unknown lsmtype ${e.lsmtype}` });
  }

  // 5. pstree, core, mm, ids: one of each per task.
  const pstree = get("pstree.img", "PSTREE");
  if (!has("pstree.img")) problems.push({ image: "pstree.img", check: "tasks", message: "missing" });
  const files = get("files.img", "FILES");
  const fileById = new Map((files?.entries ?? []).map((f) => [f.id, f]));
  pstree?.entries.forEach((t, i) => {
    for (const tid of t.threads.length > 0 ? t.threads : [t.pid]) {
      const name = `core-${tid}.img`;
      const core = get(name, "CORE");
      if (!has(name))
        problems.push({
          image: "pstree.img",
          entry: i,
          check: "tasks",
          message: `task ${t.pid}: thread ${tid} has no ${name}`,
        });
      else if (core && core.entries.length !== 1)
        problems.push({ image: name, check: "tasks", message: `${core.entries.length} entries, expected 1` });
    }
    const core = get(`core-${t.pid}.img`, "CORE")?.entries[0];
    const zombie = core?.tc?.taskState === 3;
    const mm = get(`mm-${t.pid}.img`, "MM");
    if (!zombie && !has(`mm-${t.pid}.img`))
      problems.push({ image: "pstree.img", entry: i, check: "tasks", message: `task ${t.pid} has no mm-${t.pid}.img` });
    else if (mm && mm.entries.length !== 1)
      problems.push({ image: `mm-${t.pid}.img`, check: "tasks", message: `${mm.entries.length} entries, expected 1` });
    // 2. ids names an fdinfo image, whose entries name files.img entries of the same type.
    const idsName = `ids-${t.pid}.img`;
    const ids = get(idsName, "IDS")?.entries[0];
    if (!has(idsName)) {
      problems.push({ image: "pstree.img", entry: i, check: "ids", message: `task ${t.pid} has no ${idsName}` });
      return;
    }
    if (!ids || zombie) return;
    const fdName = `fdinfo-${ids.filesId}.img`;
    if (!has(fdName)) {
      problems.push({
        image: idsName,
        entry: 0,
        check: "ids",
        message: `files_id ${ids.filesId} names ${fdName}, which is missing`,
      });
      return;
    }
    if (!files) return;
    get(fdName, "FDINFO")?.entries.forEach((fd, k) => {
      const f = fileById.get(fd.id);
      if (!f)
        problems.push({
          image: fdName,
          entry: k,
          check: "fdinfo",
          message: `fd ${fd.fd} names file id ${fd.id}, which files.img does not have`,
        });
      else if (f.type !== fd.type) {
        problems.push({
          image: fdName,
          entry: k,
          check: "fdinfo",
          message: `fd ${fd.fd} is ${enumValueName("fd_types", fd.type) ?? fd.type} but files.img entry ${fd.id} is ${enumValueName("fd_types", f.type) ?? f.type}`,
        });
      }
    });
  });

  // 3. Established TCP sockets have their stream, with queues of the announced length.
  // Only the images that parsed, reusing their decoded form.
  const reader = new CheckpointReader(new Map([...checkpoint].filter(([n]) => images.has(n))), images);
  for (const { sk, image, index } of socketEntries(reader)) {
    if (sk.proto !== 6 || sk.state !== 1) continue;
    const name = tcpStreamName(sk.ino);
    const stream = get(name, "TCP_STREAM");
    if (!has(name)) {
      problems.push({
        image,
        entry: index,
        check: "tcp-stream",
        message: `established socket ${sk.id} (ino ${sk.ino}) has no ${name}`,
      });
    } else if (stream) {
      if (stream.entries.length !== 1)
        problems.push({ image: name, check: "tcp-stream", message: `${stream.entries.length} entries, expected 1` });
      stream.entries.forEach((s, k) => {
        const q = stream.extras[k];
        if (!q || q.inq.length !== s.inqLen || q.outq.length !== s.outqLen) {
          problems.push({
            image: name,
            entry: k,
            check: "tcp-stream",
            message: `queues of ${q?.inq.length}/${q?.outq.length} bytes, entry says ${s.inqLen}/${s.outqLen}`,
          });
        }
      });
    }
  }

  // 4. Pagemaps against the size of their pages image.
  for (const [name, img] of images) {
    if (img.kind !== "PAGEMAP" || img.entries.length === 0) continue;
    const head = img.entries[0] as pagemap_head;
    const pages = `pages-${head.pagesId}.img`;
    let present = 0n;
    for (const e of img.entries.slice(1) as pagemap_entry[]) {
      if (!(pagemapFlags(e) & PE_PRESENT)) continue;
      present += pagemapPages(e);
    }
    const size = checkpoint.get(pages)?.length ?? options.sizes?.get(pages);
    if (size === undefined) {
      if (present > 0n)
        problems.push({
          image: name,
          entry: 0,
          check: "pages",
          message: `pages_id ${head.pagesId} names ${pages}, which is missing`,
        });
      continue;
    }
    if (BigInt(size) !== present * BigInt(pageSize)) {
      problems.push({
        image: name,
        check: "pages",
        message: `${present} present pages (${present * BigInt(pageSize)} bytes) but ${pages} has ${size} bytes`,
      });
    }
  }
  return problems;
}
