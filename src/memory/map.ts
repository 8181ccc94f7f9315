/**
 * A task's memory map: the VMAs of mm-<pid>.img, each with its kind, where
 * its pages are (the task's pagemap, or the shared object's
 * pagemap-shmem-<id>.img for shared anonymous and memfd mappings), and how
 * many of its pages are present, in a parent dump, lazy, or not dumped.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { vma_entry } from "../gen/index.js";
import { VMA_STATUS } from "../image/names.js";
import { PE_LAZY, PE_PARENT, PE_PRESENT } from "../image/pagemap.js";
import { type PagemapRuns, pagemapRuns, runPieces } from "./runs.js";

/** criu/include/image.h VMA_* status bits (the image layer's VMA_STATUS). */
export const VMA = VMA_STATUS;

/** What a VMA maps, from its status bits (heap, stack, a file, shared memory, …). */
export type VmaKind =
  | "stack"
  | "heap"
  | "vdso"
  | "vvar"
  | "vsyscall"
  | "file"
  | "file-shared"
  | "shared"
  | "memfd"
  | "sysvipc"
  | "socket"
  | "aio"
  | "anon";

/** MAP_GROWSDOWN of vma_entry.flags (asm-generic/mman-common.h; x86 and arm64 alike). */
const MAP_GROWSDOWN = 0x100;

/**
 * The kind of a VMA from vma_entry.status, and its flags: CRIU never sets
 * VMA_AREA_STACK, so a stack is known by MAP_GROWSDOWN (proc_parse.c reads
 * it from smaps' "gd"). A thread's stack is plain anonymous memory.
 */
export function vmaKind(status: number, flags = 0): VmaKind {
  if (status & VMA.STACK || flags & MAP_GROWSDOWN) return "stack";
  if (status & VMA.HEAP) return "heap";
  if (status & VMA.VDSO) return "vdso";
  if (status & VMA.VVAR) return "vvar";
  if (status & VMA.VSYSCALL) return "vsyscall";
  if (status & VMA.SYSVIPC) return "sysvipc";
  if (status & VMA.SOCKET) return "socket";
  if (status & VMA.AIORING) return "aio";
  if (status & VMA.MEMFD) return "memfd";
  if (status & VMA.ANON_SHARED) return "shared";
  if (status & VMA.FILE_SHARED) return "file-shared";
  if (status & VMA.FILE_PRIVATE) return "file";
  return "anon";
}

/** "rwx" letters of PROT_READ/WRITE/EXEC, "-" where unset. */
export const protText = (prot: number): string =>
  `${prot & 1 ? "r" : "-"}${prot & 2 ? "w" : "-"}${prot & 4 ? "x" : "-"}`;

/** How many pages of a VMA are in each state: dumped here, in the parent dump, lazy, not dumped. */
export interface PageCounts {
  /** In this dump's pages files. */
  present: number;
  /** In a parent dump (PE_PARENT). */
  parent: number;
  /** Left for lazy restore, not in any file here. */
  lazy: number;
  /** Never dumped (untouched, zero pages, or not CRIU's to dump). */
  notDumped: number;
}

/** One VMA of a task with its kind, protection, mapped file, pagemap and page counts. */
export interface VmaMap {
  start: bigint;
  end: bigint;
  prot: string;
  flags: number;
  status: number;
  kind: VmaKind;
  pgoff: bigint;
  /** The backing file's id (file mappings) or shared object id. */
  shmid: bigint;
  /** The mapped file's path (file-backed mappings, through files.img), or null. */
  path: string | null;
  /** Where this VMA's pages are: the pagemap image, and what to add to an address to get its position there. */
  pagemap: string;
  delta: bigint;
  pages: PageCounts;
}

/**
 * What memory maps need of files.img: regular files' paths and memfd files'
 * inodes, by file id. Read one entry at a time: files.img can hold a million
 * sockets, and decoding (and caching) all of it for a few mapping names would
 * keep every one of them.
 */
interface FileIndex {
  paths: Map<number, string>;
  memfdInodes: Map<number, number>;
  /** The decoded images this index was read from (undefined: from the wire), so an index of changed images is not reused. */
  from: [unknown, unknown];
}

const fileIndexes = new WeakMap<Checkpoint, FileIndex>();

function fileIndex(cp: Checkpoint): FileIndex {
  const from: [unknown, unknown] = [cp.decoded("files.img"), cp.decoded("reg-files.img")];
  const known = fileIndexes.get(cp);
  if (known && known.from[0] === from[0] && known.from[1] === from[1]) return known;
  const index: FileIndex = { paths: new Map(), memfdInodes: new Map(), from };
  // each() of an image the checkpoint lacks yields nothing: dumps before 3.4 have no files.img, later ones no reg-files.img.
  for (const f of cp.each("files.img", "FILES")) {
    if (f.reg) index.paths.set(f.id, f.reg.name);
    if (f.memfd) index.memfdInodes.set(f.id, f.memfd.inodeId);
  }
  for (const r of cp.each("reg-files.img", "REG_FILES")) index.paths.set(r.id, r.name);
  fileIndexes.set(cp, index);
  return index;
}

/** The shared-memory id of a memfd mapping: vma.shmid is the memfd file's id, whose inode names it (memfd.c). */
function memfdShmid(cp: Checkpoint, fileId: number): number | undefined {
  const inodeId = fileIndex(cp).memfdInodes.get(fileId);
  if (inodeId === undefined) return undefined;
  return cp.kind("memfd.img", "MEMFD_INODE")?.entries.find((i) => Number(i.inodeId) === inodeId)?.shmid;
}

/** Where a VMA's pages are, and the shift from an address to a position in that pagemap. */
export function vmaPagemap(cp: Checkpoint, pid: number, v: vma_entry): { pagemap: string; delta: bigint } {
  if (v.status & VMA.MEMFD) {
    const id = memfdShmid(cp, Number(v.shmid));
    if (id !== undefined) return { pagemap: `pagemap-shmem-${id}.img`, delta: v.pgoff - v.start };
  }
  if (v.status & VMA.ANON_SHARED) return { pagemap: `pagemap-shmem-${v.shmid}.img`, delta: v.pgoff - v.start };
  return { pagemap: `pagemap-${pid}.img`, delta: 0n };
}

const runCache = new WeakMap<Checkpoint, Map<string, PagemapRuns | null>>();

/** The runs of a pagemap image of a checkpoint, cached; null when it has none. */
export function runsOf(cp: Checkpoint, pagemap: string, pageSize: number): PagemapRuns | null {
  let m = runCache.get(cp);
  if (!m) {
    m = new Map();
    runCache.set(cp, m);
  }
  const key = `${pageSize}:${pagemap}`;
  if (!m.has(key)) {
    const img = cp.has(pagemap) ? cp.kind(pagemap, "PAGEMAP") : undefined;
    m.set(key, img ? pagemapRuns(img, pageSize) : null);
  }
  return m.get(key) ?? null;
}

function count(cp: Checkpoint, pagemap: string, start: bigint, end: bigint, pageSize: number): PageCounts {
  const c: PageCounts = { present: 0, parent: 0, lazy: 0, notDumped: 0 };
  const ps = BigInt(pageSize);
  const pm = runsOf(cp, pagemap, pageSize);
  for (const [a, b, r] of runPieces(pm?.runs ?? [], start, end)) {
    const n = Number((b - a) / ps);
    if (!r) c.notDumped += n;
    else if (r.flags & PE_PRESENT) c.present += n;
    else if (r.flags & PE_PARENT) c.parent += n;
    else if (r.flags & PE_LAZY) c.lazy += n;
    else c.notDumped += n;
  }
  return c;
}

/** The VMAs of a task with their page states; empty for zombies and pre-dumps. */
export function memoryMap(cp: Checkpoint, pid: number, pageSize: number): VmaMap[] {
  const mm = cp.has(`mm-${pid}.img`) ? cp.first(`mm-${pid}.img`, "MM") : undefined;
  const paths = mm?.vmas.length ? fileIndex(cp).paths : new Map<number, string>();
  return (mm?.vmas ?? []).map((v) => {
    const { pagemap, delta } = vmaPagemap(cp, pid, v);
    return {
      start: v.start,
      end: v.end,
      prot: protText(v.prot),
      flags: v.flags,
      status: v.status,
      kind: vmaKind(v.status, v.flags),
      pgoff: v.pgoff,
      shmid: v.shmid,
      // For file mappings shmid is the file's id (crit x mems names them the same way).
      path: v.status & (VMA.FILE_PRIVATE | VMA.FILE_SHARED) ? (paths.get(Number(v.shmid)) ?? null) : null,
      pagemap,
      delta,
      pages: count(cp, pagemap, v.start + delta, v.end + delta, pageSize),
    };
  });
}
