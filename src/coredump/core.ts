/**
 * coreDump: the ELF core file of one process of a checkpoint, as the
 * kernel would have written it at the moment of the dump, streamed in
 * chunks so that memory stays flat however big the process. Pages come
 * from the checkpoint (through pre-dump parents, shared memory and memfd);
 * file-backed pages it does not hold come from a copy of the dumped file
 * system when one is given, else are left out of the file (p_filesz short
 * of p_memsz, as the kernel leaves out what it does not dump) so that a
 * debugger takes them from the executable and libraries.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { CriuImageError } from "../framing/errors.js";
import type { core_entry } from "../gen/index.js";
import { PE_LAZY, PE_PARENT, PE_PRESENT } from "../image/pagemap.js";
import { memoryMap, runsOf, type VmaMap } from "../memory/map.js";
import { type MemoryRange, pageSizeOf, readMemory } from "../memory/read.js";
import { runPieces } from "../memory/runs.js";
import { CORE_ARCHES, marchName } from "./arch.js";
import {
  ELF_HEADER_SIZE,
  encodeHeaders,
  encodeNotes,
  type Note,
  PF_R,
  PF_W,
  PF_X,
  PHDR_SIZE,
  type Phdr,
  PT_LOAD,
  PT_NOTE,
} from "./elf.js";
import { auxv, type FileMapping, fileNote, prpsinfo, prstatus, siginfo } from "./notes.js";

/** Copies of the dumped file system's files, for file-backed pages a checkpoint does not hold. */
export interface MappedFiles {
  /** The file's size, or undefined when there is no such file. */
  size(path: string): Promise<number | undefined>;
  /** `length` bytes at `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
}

/** Options of `coreDump`. */
export interface CoreDumpOptions {
  /** The checkpoint's page size (default: pageSizeOf). */
  pageSize?: number;
  /** Where file-backed pages the checkpoint does not hold come from (the CLI's --root). */
  files?: MappedFiles;
  /** The size of the chunks memory is read and yielded in (default 1 MiB). */
  chunkSize?: number;
}

/** One process's core file, planned: its size and what it holds, and its bytes as a stream. */
export interface CoreDump {
  pid: number;
  /** The architecture's name ("x86_64", "aarch64"). */
  arch: string;
  /** The core file's size in bytes. */
  size: number;
  /** Thread ids, in the order of their NT_PRSTATUS notes (the process's own first). */
  threads: number[];
  /** PT_LOAD segments. */
  segments: number;
  /** Anonymous pages the checkpoint does not hold (never touched, or lazy): written as zeros. */
  zeroPages: number;
  /** File-backed pages the checkpoint does not hold, read from `files`. */
  filePages: number;
  /** File-backed pages neither the checkpoint nor `files` has: left out of the file. */
  omittedPages: number;
  /** Memory left to a lazy-pages server at dump time: not in the checkpoint. */
  lazy: MemoryRange[];
  /** What the core lacks or differs in, one sentence each; streaming adds to it. */
  warnings: string[];
  /** The core file's bytes, in order; each call streams it anew. */
  chunks(): AsyncGenerator<Uint8Array, void, undefined>;
}

/** Whether a task of the checkpoint gets a core, and why not. */
export interface CoreTask {
  pid: number;
  core: boolean;
  /** Why it gets none (a zombie, no memory images). */
  reason?: string;
}

/** Every task of the checkpoint and whether `coreDump` makes a core of it. */
export function coreTasks(input: CheckpointLike): CoreTask[] {
  const cp = Checkpoint.of(input);
  return cp.tasks().map((t) => {
    if (cp.isZombie(t.pid)) return { pid: t.pid, core: false, reason: "a zombie: it has no memory or registers left" };
    if (!cp.has(`mm-${t.pid}.img`)) return { pid: t.pid, core: false, reason: `no mm-${t.pid}.img: no memory` };
    if (!cp.has(`core-${t.pid}.img`)) return { pid: t.pid, core: false, reason: `no core-${t.pid}.img: no registers` };
    return { pid: t.pid, core: true };
  });
}

/** Where a stretch of a segment's bytes come from. */
type Source =
  | { from: "memory"; start: bigint; end: bigint }
  | { from: "zero"; start: bigint; end: bigint }
  | { from: "file"; start: bigint; end: bigint; path: string; offset: bigint };

interface Segment {
  phdr: Phdr;
  sources: Source[];
}

const protFlags = (prot: string) =>
  (prot[0] === "r" ? PF_R : 0) | (prot[1] === "w" ? PF_W : 0) | (prot[2] === "x" ? PF_X : 0);

/** A VMA's pages by state: [start, end, "held" | "lazy" | "missing"], covering it whole. */
function pageStates(cp: Checkpoint, v: VmaMap, pageSize: number): [bigint, bigint, "held" | "lazy" | "missing"][] {
  const out: [bigint, bigint, "held" | "lazy" | "missing"][] = [];
  const push = (a: bigint, b: bigint, s: "held" | "lazy" | "missing") => {
    const last = out[out.length - 1];
    if (last && last[2] === s && last[1] === a) last[1] = b;
    else if (b > a) out.push([a, b, s]);
  };
  const runs = runsOf(cp, v.pagemap, pageSize)?.runs ?? [];
  for (const [a, b, r] of runPieces(runs, v.start + v.delta, v.end + v.delta))
    push(
      a - v.delta,
      b - v.delta,
      !r ? "missing" : r.flags & (PE_PRESENT | PE_PARENT) ? "held" : r.flags & PE_LAZY ? "lazy" : "missing",
    );
  return out;
}

/** The PT_LOAD segments of one VMA, and what they count. */
async function vmaSegments(
  cp: Checkpoint,
  v: VmaMap,
  pageSize: number,
  files: MappedFiles | undefined,
  count: { zero: bigint; file: bigint; omitted: bigint; lazy: MemoryRange[] },
): Promise<Segment[]> {
  const flags = protFlags(v.prot);
  const ps = BigInt(pageSize);
  const blank = (start: bigint, end: bigint): Segment => ({
    phdr: { type: PT_LOAD, flags, offset: 0n, vaddr: start, filesz: 0n, memsz: end - start, align: ps },
    sources: [],
  });
  // The kernel dumps neither: vvar is not the process's memory, and nothing in a checkpoint holds vsyscall's page.
  if (v.kind === "vvar" || v.kind === "vsyscall") return [blank(v.start, v.end)];
  // CRIU does not dump the vDSO (the restorer maps the host's): zeros there would read as a broken ELF image.
  if (v.kind === "vdso" && v.pages.present + v.pages.parent === 0) return [blank(v.start, v.end)];
  const fileBacked = (v.kind === "file" || v.kind === "file-shared") && v.path !== null;
  const fileSize = fileBacked && files ? await files.size(v.path as string) : undefined;
  const out: Segment[] = [];
  let open: Segment | undefined;
  const add = (s: Source) => {
    if (!open) {
      open = {
        phdr: { type: PT_LOAD, flags, offset: 0n, vaddr: s.start, filesz: 0n, memsz: 0n, align: ps },
        sources: [],
      };
      out.push(open);
    }
    open.sources.push(s);
    open.phdr.memsz = s.end - open.phdr.vaddr;
    open.phdr.filesz = open.phdr.memsz;
  };
  for (const [a, b, state] of pageStates(cp, v, pageSize)) {
    if (state === "lazy") count.lazy.push({ start: a, end: b });
    if (state === "held") add({ from: "memory", start: a, end: b });
    else if (fileSize !== undefined) {
      add({ from: "file", start: a, end: b, path: v.path as string, offset: v.pgoff + (a - v.start) });
      count.file += (b - a) / ps;
    } else if (fileBacked) {
      // Left out: its own segment with nothing in the file, as the kernel writes a mapping it does not dump.
      out.push(blank(a, b));
      open = undefined;
      count.omitted += (b - a) / ps;
    } else {
      add({ from: "zero", start: a, end: b });
      count.zero += (b - a) / ps;
    }
  }
  return out;
}

const ARGS_MAX = 80;

/**
 * Plans the ELF core file of task `pid` and returns it with its bytes as a
 * stream. Throws CriuImageError for a task that gets no core (see
 * coreTasks) and for architectures other than x86_64 and aarch64.
 */
export async function coreDump(input: CheckpointLike, pid: number, options: CoreDumpOptions = {}): Promise<CoreDump> {
  const cp = Checkpoint.of(input);
  const task = cp.tasks().find((t) => t.pid === pid);
  if (!task) throw new CriuImageError("INVALID", "pstree.img", 0, `a task ${pid}`, "no such task in the checkpoint");
  const why = coreTasks(cp).find((t) => t.pid === pid)?.reason;
  if (why) throw new CriuImageError("UNSUPPORTED", `core-${pid}.img`, 0, "a task with memory and registers", why);
  const core = cp.first(`core-${pid}.img`, "CORE") as core_entry;
  const arch = CORE_ARCHES[core.mtype];
  if (!arch)
    throw new CriuImageError(
      "UNSUPPORTED",
      `core-${pid}.img`,
      0,
      "an x86_64 or aarch64 task",
      `a ${marchName(core.mtype)} task: core files are written for x86_64 and aarch64 only`,
    );
  if (core.threadInfo?.gpregs?.mode === 2)
    throw new CriuImageError("UNSUPPORTED", `core-${pid}.img`, 0, "a 64-bit task", "a 32-bit (compat) x86 task");
  const pageSize = options.pageSize ?? pageSizeOf(cp);
  const mm = cp.first(`mm-${pid}.img`, "MM");
  if (!mm) throw new CriuImageError("UNSUPPORTED", `mm-${pid}.img`, 0, "an mm entry", "the image is empty");
  const warnings: string[] = [];

  // Threads: the process's own first, as the kernel puts the dumping thread first.
  const tids = [pid, ...(task.threads.length ? task.threads : [pid]).filter((t) => t !== pid)];
  const threads: [number, core_entry][] = [];
  for (const tid of tids) {
    const c = tid === pid ? core : cp.has(`core-${tid}.img`) ? cp.first(`core-${tid}.img`, "CORE") : undefined;
    if (c) threads.push([tid, c]);
    else warnings.push(`thread ${tid} has no core-${tid}.img: left out`);
  }

  const vmas = memoryMap(cp, pid, pageSize);
  const count = { zero: 0n, file: 0n, omitted: 0n, lazy: [] as MemoryRange[] };
  const segments: Segment[] = [];
  for (const v of vmas) segments.push(...(await vmaSegments(cp, v, pageSize, options.files, count)));
  if (count.lazy.length)
    warnings.push(
      `memory left to the lazy-pages server is not in the checkpoint (written as zeros or from files): ${count.lazy
        .map((r) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`)
        .join(", ")}`,
    );

  const mappings: FileMapping[] = vmas
    .filter((v) => v.path !== null)
    .map((v) => ({ start: v.start, end: v.end, offset: v.pgoff, path: v.path as string }));
  const argsLen = mm.mmArgEnd > mm.mmArgStart ? Number(mm.mmArgEnd - mm.mmArgStart) : 0;
  const args = argsLen
    ? (await readMemory(cp, pid, mm.mmArgStart, Math.min(ARGS_MAX, argsLen), { pageSize })).bytes
    : new Uint8Array(0);
  const notes: Note[] = [];
  threads.forEach(([tid, c], i) => {
    notes.push(prstatus(arch, task, tid, c));
    if (i === 0) notes.push(prpsinfo(task, core, args), siginfo(), auxv(mm), fileNote(mappings, pageSize));
    notes.push(...arch.regsets(c));
  });
  const noteBytes = encodeNotes(notes);

  // Layout: headers, notes, then each segment's bytes from a page boundary on.
  const phdrCount = 1 + segments.length;
  if (phdrCount > 0xfffe)
    throw new CriuImageError(
      "UNSUPPORTED",
      `mm-${pid}.img`,
      0,
      "at most 65534 mappings",
      `${segments.length} mappings`,
    );
  const notesAt = ELF_HEADER_SIZE + PHDR_SIZE * phdrCount;
  let at = BigInt(Math.ceil((notesAt + noteBytes.length) / pageSize) * pageSize);
  for (const s of segments) {
    s.phdr.offset = at;
    at += s.phdr.filesz;
  }
  const noteHdr: Phdr = {
    type: PT_NOTE,
    flags: 0,
    offset: BigInt(notesAt),
    vaddr: 0n,
    filesz: BigInt(noteBytes.length),
    memsz: 0n,
    align: 0n,
  };
  const head = new Uint8Array(Number(segments[0]?.phdr.offset ?? BigInt(notesAt + noteBytes.length)));
  head.set(encodeHeaders(arch.machine, [noteHdr, ...segments.map((s) => s.phdr)]));
  head.set(noteBytes, notesAt);
  const chunk = options.chunkSize ?? 1 << 20;

  const result: CoreDump = {
    pid,
    arch: arch.name,
    size: Number(at),
    threads: threads.map(([t]) => t),
    segments: segments.length,
    zeroPages: Number(count.zero),
    filePages: Number(count.file),
    omittedPages: Number(count.omitted),
    lazy: count.lazy,
    warnings,
    async *chunks() {
      yield head;
      let unreadable = 0n;
      for (const s of segments)
        for (const src of s.sources)
          for (let a = src.start; a < src.end; ) {
            const n = Number(src.end - a < BigInt(chunk) ? src.end - a : BigInt(chunk));
            if (src.from === "zero") yield new Uint8Array(n);
            else if (src.from === "file") {
              const off = Number(src.offset + (a - src.start));
              const got = await (options.files as MappedFiles).read(src.path, off, n);
              if (got.length === n) yield got;
              else {
                // Past the file's end: the kernel would have raised SIGBUS there; zeros keep the layout.
                const b = new Uint8Array(n);
                b.set(got);
                yield b;
              }
            } else {
              const r = await readMemory(cp, pid, a, n, { pageSize });
              for (const u of r.unknown) unreadable += u.end - u.start;
              yield r.bytes;
            }
            a += BigInt(n);
          }
      if (unreadable > 0n)
        warnings.push(
          `${unreadable} bytes the pagemap names could not be read (a parent dump missing?): written as zeros`,
        );
    },
  };
  return result;
}
