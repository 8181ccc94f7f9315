/**
 * The process-wide and per-thread notes of a core file that every
 * architecture shares (include/uapi/linux/elfcore.h, fs/binfmt_elf.c):
 * NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV and NT_FILE.
 */
import type { core_entry, mm_entry, pstree_entry } from "../gen/index.js";
import { type CoreArch, NT_AUXV, NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NT_SIGINFO } from "./arch.js";
import { type Note, Out } from "./elf.js";

/** The signal a core says stopped the process: CRIU stops every task before it dumps it. */
export const SIGSTOP = 19;

const text = (s: string) => new TextEncoder().encode(s);

/**
 * A thread's blocked signals: thread_core's when CRIU set it (every thread
 * but the leader), else the task's (tc), where CRIU keeps the leader's.
 * Presence, not value: an unset optional reads as 0, which would hide tc's.
 */
function blocked(core: core_entry): bigint {
  const t = core.threadCore;
  if (t && Object.hasOwn(t, "blkSigset")) return t.blkSigset ?? 0n;
  return core.tc?.blkSigset ?? 0n;
}

/** NT_PRSTATUS of one thread: the stop signal, its blocked and pending signals, the tree's ids, its registers. */
export function prstatus(arch: CoreArch, task: pstree_entry, tid: number, core: core_entry): Note {
  const regs = arch.gpregs(core);
  const o = new Out(48 + 64 + regs.length + 8);
  const pending = (core.threadCore?.signalsP?.signals ?? []).reduce((m, s) => m | sigbit(s.siginfo), 0n);
  o.i32(SIGSTOP).i32(0).i32(0).u16(SIGSTOP).skip(2);
  o.u64(pending).u64(blocked(core));
  o.i32(tid).i32(task.ppid).i32(task.pgid).i32(task.sid);
  o.skip(64); // user, system and children's times: not in the images
  o.raw(regs).i32(1);
  return { name: "CORE", type: NT_PRSTATUS, desc: o.bytes };
}

/** The bit of a queued signal's number in a sigset (siginfo_t starts with si_signo). */
function sigbit(siginfo: Uint8Array): bigint {
  if (siginfo.length < 4) return 0n;
  const signo = new DataView(siginfo.buffer, siginfo.byteOffset, 4).getInt32(0, true);
  return signo >= 1 && signo <= 64 ? 1n << BigInt(signo - 1) : 0n;
}

/** NT_PRPSINFO: state, comm, the start of the command line, credentials and the tree's ids. */
export function prpsinfo(task: pstree_entry, core: core_entry, args: Uint8Array): Note {
  const o = new Out(136);
  // 'T': stopped, as every task of a dump is.
  o.u8(4)
    .u8(0x54)
    .u8(0)
    .u8(core.threadCore?.schedNice ?? 0)
    .skip(4);
  o.u64(core.tc?.flags ?? 0);
  const creds = core.threadCore?.creds;
  o.u32(creds?.uid ?? 0).u32(creds?.gid ?? 0);
  o.i32(task.pid).i32(task.ppid).i32(task.pgid).i32(task.sid);
  o.raw(text(core.tc?.comm ?? "").subarray(0, 15), 16);
  // The kernel's psargs: the first 80 bytes of the argument area, NULs turned to spaces, the last kept NUL.
  const ps = args.subarray(0, 79).map((b) => (b === 0 ? 0x20 : b));
  let end = ps.length;
  while (end > 0 && ps[end - 1] === 0x20) end--;
  o.raw(ps.subarray(0, end), 80);
  return { name: "CORE", type: NT_PRPSINFO, desc: o.bytes };
}

/** NT_SIGINFO: SIGSTOP sent by the kernel (si_code SI_KERNEL), the signal every task of a dump stopped at. */
export function siginfo(): Note {
  return { name: "CORE", type: NT_SIGINFO, desc: new Out(128).i32(SIGSTOP).i32(0).i32(0x80).bytes };
}

/** NT_AUXV: mm's saved auxiliary vector, as pairs up to and including AT_NULL. */
export function auxv(mm: mm_entry): Note {
  const words = mm.mmSavedAuxv;
  let n = 0;
  while (n + 1 < words.length && words[n] !== 0n) n += 2;
  const o = new Out((n + 2) * 8);
  for (let i = 0; i < n; i++) o.u64(words[i] as bigint);
  o.u64(0).u64(0);
  return { name: "CORE", type: NT_AUXV, desc: o.bytes };
}

/** One file mapping of NT_FILE. */
export interface FileMapping {
  start: bigint;
  end: bigint;
  /** The mapping's offset in the file, in bytes. */
  offset: bigint;
  path: string;
}

/** NT_FILE: the count, the page size, [start, end, offset in pages] per mapping, then the paths. */
export function fileNote(mappings: readonly FileMapping[], pageSize: number): Note {
  const names = mappings.map((m) => text(m.path));
  const o = new Out(16 + 24 * mappings.length + names.reduce((s, n) => s + n.length + 1, 0));
  o.u64(mappings.length).u64(pageSize);
  for (const m of mappings)
    o.u64(m.start)
      .u64(m.end)
      .u64(m.offset / BigInt(pageSize));
  for (const n of names) o.raw(n).skip(1);
  return { name: "CORE", type: NT_FILE, desc: o.bytes };
}
