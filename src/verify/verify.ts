/**
 * Consistency checks over a whole checkpoint. Each problem names its image
 * and, where it has one, the entry. Notes are for what is not wrong but
 * worth knowing: files that are not images, a companion nobody knows.
 *
 * What real dumps contain is taken from CRIU's own code: zombies have a
 * pstree entry and a core image and nothing else (cr-dump.c,
 * dump_one_zombie); a pre-dump has an inventory, pagemaps and pages but no
 * pstree; a dump on top of a pre-dump names its pages in the parent with
 * PE_PARENT (pagemap.c).
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { CriuImageError } from "../framing/errors.js";
import { type ImageKindInfo, kindByFileName } from "../framing/kinds.js";
import { WireCursor } from "../framing/wire.js";
import type { inet_sk_entry } from "../gen/index.js";
import type { EntryKind } from "../image/kind-types.js";
import { enumValueName, IPPROTO_TCP } from "../image/names.js";
import { PE_PARENT } from "../image/pagemap.js";
import type { CriuImage } from "../image/types.js";
import { IdTable } from "../inspect/id-table.js";
import { tcpStreamName } from "../inspect/inet.js";
import { coverage, type PagemapRuns, pagemapRuns } from "../memory/runs.js";

export type VerifyCheck =
  | "parse"
  | "unknown-file"
  | "ids"
  | "fdinfo"
  | "tcp-stream"
  | "pages"
  | "parent"
  | "tasks"
  | "inventory"
  | "pending-write"
  | "unsafe-member";

export interface VerifyProblem {
  /** The image the problem is in (or about). */
  image: string;
  /** Index of the entry, where the problem is one entry's. */
  entry?: number;
  /** Stable name of the check. */
  check: VerifyCheck;
  message: string;
}

/** @deprecated Use VerifyProblem. */
export type Problem = VerifyProblem;

export interface VerifyReport {
  /** What was checked: a full dump, a pre-dump, or images without an inventory. */
  kind: "dump" | "pre-dump" | "images";
  /** Inconsistent or broken images: verify fails when there is any. */
  problems: VerifyProblem[];
  /** Worth knowing, never a failure: files that are not CRIU images, and what opening the checkpoint noticed. */
  notes: VerifyProblem[];
  /** Known companions found beside the images (CRIU logs, runc's descriptors.json, …). */
  companions: string[];
  /** Dumps checked through `parent`, nearest first. */
  parents: string[];
}

export interface VerifyOptions {
  /** Page size of the dumped machine (default 4096, as on x86-64). */
  pageSize?: number;
}

const JOURNAL_FILE = ".criu-image-journal";
/** inventory_entry.lsmtype's field number (inventory.proto). */
const LSMTYPE_FIELD = 6;

/** Checks a checkpoint; returns every problem and note. */
export function verifyCheckpoint(input: CheckpointLike, options: VerifyOptions = {}): VerifyReport {
  const cp = Checkpoint.of(input);
  const pageSize = options.pageSize ?? 4096;
  const problems: VerifyProblem[] = [];
  const notes: VerifyProblem[] = [];
  const companions: string[] = [];
  const parents: string[] = [];
  const kind = cp.dumpKind();
  const problem = (image: string, check: VerifyCheck, message: string, entry?: number) =>
    problems.push(entry === undefined ? { image, check, message } : { image, entry, check, message });

  for (const n of cp.source.notes) {
    if (n.file === JOURNAL_FILE && /pending/.test(n.message)) problem(JOURNAL_FILE, "pending-write", n.message);
    else notes.push({ image: n.file ?? cp.label, check: "unknown-file", message: n.message });
  }
  for (const u of cp.source.unsafe ?? [])
    problem(u.name, "unsafe-member", `unsafe archive member: ${u.reason}; it was not read`);
  for (const o of cp.others()) {
    if (o.writer) companions.push(o.name);
    else
      notes.push({
        image: o.name,
        check: "unknown-file",
        message: "not a CRIU image nor a file known to be kept with one",
      });
  }

  // 1. Every image parses completely. Raw images are bytes by definition; pages are not read.
  // files.img, fdinfo and the legacy per-type file images can hold a million entries: they are decoded one entry at a
  // time into the indexes below and never kept, so verify stays within a few hundred MiB.
  const images = new Map<string, CriuImage>();
  const index = new Indexes();
  for (const name of cp.names()) {
    // names() lists only names of known kinds.
    const k = kindByFileName(name) as ImageKindInfo;
    if (k.raw) continue;
    try {
      if (isIndexed(k.kind)) index.add(cp, name, k.kind);
      else images.set(name, cp.image(name) as CriuImage);
    } catch (e) {
      if (!(e instanceof CriuImageError)) throw e;
      problem(name, "parse", e.message);
    }
  }
  const has = (n: string) => cp.has(n);
  // An image's kind is the one its name implies: reading refuses any other magic.
  const get = <K extends CriuImage["kind"]>(n: string) => images.get(n) as Extract<CriuImage, { kind: K }> | undefined;

  // 2. The inventory.
  const inv = get<"INVENTORY">("inventory.img");
  if (kind === "images") {
    problem("inventory.img", "inventory", "missing: this is not a checkpoint (criu dump always writes an inventory)");
  } else if (inv) {
    if (inv.entries.length !== 1) problem("inventory.img", "inventory", `${inv.entries.length} entries, expected 1`);
    const e = inv.entries[0];
    if (e && kind === "dump") {
      if (e.imgVersion !== 2)
        problem("inventory.img", "inventory", `img_version ${e.imgVersion}, expected 2 (CRIU images v1.1)`, 0);
      if (!e.rootIds) problem("inventory.img", "inventory", "no root_ids", 0);
    }
    // lsmtype is a closed enum: a value this schema does not know is kept among the unknown fields, as the
    // varint protobuf-es read (its data is the value without the tag; field 6 of another wire type fails to parse).
    const lsm = e?.$unknown?.find((u) => u.no === LSMTYPE_FIELD);
    if (lsm) {
      const c = new WireCursor(lsm.data, 0, lsm.data.length);
      c.varint();
      problem("inventory.img", "inventory", `unknown lsmtype ${c.lo}`, 0);
    }
  }

  // 3. Tasks: a core per thread, an mm and ids per live task; zombies have only their core.
  const pstree = get<"PSTREE">("pstree.img");
  if (kind === "dump" && !has("pstree.img")) problem("pstree.img", "tasks", "missing");
  const fileTypes = index.fileTypes;
  pstree?.entries.forEach((t, i) => {
    const coreName = `core-${t.pid}.img`;
    if (!has(coreName)) {
      problem("pstree.img", "tasks", `task ${t.pid} has no ${coreName}`, i);
      return;
    }
    const zombie = get<"CORE">(coreName) !== undefined && cp.isZombie(t.pid);
    // A zombie's thread list is whatever the kernel had; only its own core is written.
    const threads = zombie ? [t.pid] : t.threads.length > 0 ? t.threads : [t.pid];
    for (const tid of threads) {
      const name = `core-${tid}.img`;
      const core = get<"CORE">(name);
      if (!has(name)) problem("pstree.img", "tasks", `task ${t.pid}: thread ${tid} has no ${name}`, i);
      else if (core && core.entries.length !== 1) problem(name, "tasks", `${core.entries.length} entries, expected 1`);
    }
    if (zombie) return;
    const mmName = `mm-${t.pid}.img`;
    const mm = get<"MM">(mmName);
    if (!has(mmName)) problem("pstree.img", "tasks", `task ${t.pid} has no ${mmName}`, i);
    else if (mm && mm.entries.length !== 1) problem(mmName, "tasks", `${mm.entries.length} entries, expected 1`);
    // ids names an fdinfo image, whose entries name files.img entries of the same type.
    const idsName = `ids-${t.pid}.img`;
    const idsImage = get<"IDS">(idsName);
    if (!has(idsName)) {
      problem("pstree.img", "ids", `task ${t.pid} has no ${idsName}`, i);
      return;
    }
    if (idsImage && idsImage.entries.length !== 1)
      problem(idsName, "ids", `${idsImage.entries.length} entries, expected 1`);
    const ids = idsImage?.entries[0];
    if (!ids) return;
    const fdName = `fdinfo-${ids.filesId}.img`;
    if (!has(fdName)) {
      problem(idsName, "ids", `files_id ${ids.filesId} names ${fdName}, which is missing`, 0);
      return;
    }
    const fds = index.fdTables.get(fdName);
    if (!fileTypes || !fds) return;
    for (const [k, fd, id, type] of fds.rows() as Generator<[number, number, number, number]>) {
      // One id can have several entries (a tun device is a REG file and a TUNF entry).
      const ftypes = fileTypes.lookup(id).map(([t]) => t as number);
      if (ftypes.length === 0)
        problem(fdName, "fdinfo", `fd ${fd} names file id ${id}, which files.img does not have`, k);
      else if (!ftypes.includes(type)) {
        const name = (n: number) => enumValueName("fd_types", n) ?? String(n);
        problem(
          fdName,
          "fdinfo",
          `fd ${fd} is ${name(type)} but files.img entry ${id} is ${ftypes.map(name).join(", ")}`,
          k,
        );
      }
    }
  });

  // 4. Established TCP sockets have their stream. Its queues need no check here: the framing
  // reads exactly inq_len + outq_len bytes after the entry, or the image fails to parse.
  for (const { id, ino, image, index: at } of index.established) {
    const name = tcpStreamName(ino);
    const stream = get<"TCP_STREAM">(name);
    if (!has(name)) {
      problem(image, "tcp-stream", `established socket ${id} (ino ${ino}) has no ${name}`, at);
    } else if (stream && stream.entries.length !== 1) {
      problem(name, "tcp-stream", `${stream.entries.length} entries, expected 1`);
    }
  }

  // 5. Pagemaps against the size of their pages image, and PE_PARENT pages against the parent chain.
  // The chain is followed once: a link that cannot be followed (a cycle, one too deep) is one problem, and the
  // dumps reached before it are still checked.
  const chain: Checkpoint[] = [];
  try {
    for (let p = cp.parent; p; p = p.parent) chain.push(p);
  } catch (e) {
    if (!(e instanceof CriuImageError)) throw e;
    problem("parent", "parent", e.message);
  }
  for (const p of chain) parents.push(p.label);
  // A parent's pagemap is read once however many runs of the top dump need it.
  const parentRuns = chain.map(() => new Map<string, PagemapRuns | null>());
  const runsIn = (level: number, name: string): PagemapRuns | null => {
    const m = parentRuns[level] as Map<string, PagemapRuns | null>;
    let r = m.get(name);
    if (r === undefined) {
      r = null;
      const c = chain[level] as Checkpoint;
      try {
        const img = c.has(name) ? c.kind(name, "PAGEMAP") : undefined;
        if (img) r = pagemapRuns(img, pageSize);
      } catch (e) {
        if (!(e instanceof CriuImageError)) throw e;
      }
      m.set(name, r);
    }
    return r;
  };
  for (const [name, img] of images) {
    if (img.kind !== "PAGEMAP") continue;
    // Restore reads the head before anything else (pagemap.c, open_page_read_at).
    if (img.entries.length === 0) problem(name, "pages", "no pagemap_head");
    const runs = pagemapRuns(img, pageSize);
    const pages = `pages-${runs.pagesId}.img`;
    const size = cp.size(pages);
    if (size === undefined) {
      if (runs.presentPages > 0n)
        problem(name, "pages", `pages_id ${runs.pagesId} names ${pages}, which is missing`, 0);
    } else if (BigInt(size) !== runs.presentPages * BigInt(pageSize)) {
      problem(
        name,
        "pages",
        `${runs.presentPages} present pages (${runs.presentPages * BigInt(pageSize)} bytes) but ${pages} has ${size} bytes`,
      );
    }
    runs.runs.forEach((r, k) => {
      if (!(r.flags & PE_PARENT)) return;
      const where = `pages 0x${r.start.toString(16)}-0x${r.end.toString(16)} are in the parent dump`;
      const link = cp.source.parentLink;
      const why =
        chain.length === 0
          ? `there is no parent (${link ? `parent leads to ${link}, which cannot be read` : "no parent link"})`
          : parentLack(chain, runsIn, name, r.start, r.end);
      // Entry k + 1: entry 0 of a pagemap is its head.
      if (why) problem(name, "parent", `${where}, but ${why}`, k + 1);
    });
  }
  return { kind, problems, notes, companions, parents };
}

/**
 * Why the pages [start, end) of pagemap `name` cannot be found up the chain, or undefined when every page is
 * there. A dump's run either holds a page or sends it on to the next parent. The chain is not empty.
 */
function parentLack(
  chain: readonly Checkpoint[],
  runsIn: (level: number, name: string) => PagemapRuns | null,
  name: string,
  start: bigint,
  end: bigint,
): string | undefined {
  let todo: [bigint, bigint][] = [[start, end]];
  for (let level = 0; todo.length > 0; level++) {
    const c = chain[level];
    if (!c) return `the chain ends at ${(chain[level - 1] as Checkpoint).label} (${level} up) before reaching them`;
    const pr = runsIn(level, name);
    if (!pr) return `${c.label} has no ${name}`;
    const next: [bigint, bigint][] = [];
    for (const [a, b] of todo) {
      const cov = coverage(pr.runs, a, b);
      const [m] = cov.missing;
      if (m) return `${c.label}/${name} lacks 0x${m[0].toString(16)}-0x${m[1].toString(16)}`;
      for (const x of cov.inParent) next.push(x);
    }
    todo = next;
  }
  return undefined;
}

/**
 * Before CRIU 3.4 each kind of file had its own image, whose entries are
 * what fdinfo entries name (files.c, collect_one_file and the per-type
 * collectors); their ids count as files.img's. The fd type of each.
 */
const LEGACY_FILE_IMAGES: Readonly<Record<string, number>> = {
  REG_FILES: 1,
  PIPES: 2,
  FIFO: 3,
  INETSK: 4,
  UNIXSK: 5,
  EVENTFD_FILE: 6,
  EVENTPOLL_FILE: 7,
  INOTIFY_FILE: 8,
  SIGNALFD: 9,
  PACKETSK: 10,
  TTY_FILES: 11,
  FANOTIFY_FILE: 12,
  NETLINK_SK: 13,
  NS_FILES: 14,
  TUNFILE: 15,
  EXT_FILES: 16,
  TIMERFD: 17,
};

const isIndexed = (kind: string): boolean =>
  kind === "FILES" || kind === "FDINFO" || Object.hasOwn(LEGACY_FILE_IMAGES, kind);

const TCP_ESTABLISHED = 1;

/** What the checks need of the images that are never kept decoded. An image adds to them only once it parsed whole. */
class Indexes {
  /** (file id, fd type) of files.img and the legacy per-type images; undefined when there is none whole. */
  fileTypes: IdTable | undefined;
  /** Each fdinfo image's (entry index, fd, file id, type) rows. */
  readonly fdTables = new Map<string, IdTable>();
  /** Established TCP sockets, which must have their tcp-stream image. */
  readonly established: { id: number; ino: number; image: string; index: number }[] = [];

  add(cp: Checkpoint, name: string, kind: string): void {
    if (kind === "FDINFO") {
      const fds = new IdTable(4);
      let index = 0;
      for (const fd of cp.each(name, kind)) fds.add(index++, fd.fd, fd.id, fd.type);
      this.fdTables.set(name, fds);
      return;
    }
    const sockets: Indexes["established"] = [];
    const socket = (sk: inet_sk_entry, index: number) => {
      if (sk.proto === IPPROTO_TCP && sk.state === TCP_ESTABLISHED)
        sockets.push({ id: sk.id, ino: sk.ino, image: name, index });
    };
    // Rows go straight into the index (a million sockets as a JS array were 16 MiB and more while it grew);
    // an image that fails to parse takes its rows back out.
    const created = this.fileTypes === undefined;
    const types = this.fileTypes ?? new IdTable(2);
    this.fileTypes = types;
    const before = types.size;
    let index = 0;
    try {
      if (kind === "FILES") {
        for (const f of cp.each(name, kind)) {
          types.add(f.id, f.type);
          if (f.isk) socket(f.isk, index);
          index++;
        }
      } else {
        const type = LEGACY_FILE_IMAGES[kind] as number;
        for (const e of cp.each(name, kind as EntryKind)) {
          types.add((e as { id: number }).id, type);
          if (kind === "INETSK") socket(e as inet_sk_entry, index);
          index++;
        }
      }
    } catch (e) {
      types.truncate(before);
      if (created) this.fileTypes = undefined;
      throw e;
    }
    // A loop, not push(...sockets): spreading 130,000 or more arguments overflows the stack.
    for (const s of sockets) this.established.push(s);
  }
}
