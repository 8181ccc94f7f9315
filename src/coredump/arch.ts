/**
 * What differs between architectures in a core file: the ELF machine, the
 * general registers in NT_PRSTATUS, and the register-set notes that follow
 * it, each built from the thread's core image as the kernel's regsets lay
 * them out (arch/x86/kernel/fpu/regset.c, arch/arm64/kernel/ptrace.c).
 */
import {
  type core_entry,
  core_entry_march,
  type user_x86_fpregs_entry,
  type user_x86_xsave_entry,
} from "../gen/index.js";
import { type Note, Out, words32, words64 } from "./elf.js";

export const NT_PRSTATUS = 1;
export const NT_PRFPREG = 2;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;
export const NT_X86_XSTATE = 0x202;
export const NT_ARM_TLS = 0x401;

/** One architecture's part of a core file. */
export interface CoreArch {
  /** The name CRIU's core_entry.mtype gives it. */
  name: string;
  /** e_machine. */
  machine: number;
  /** pr_reg of NT_PRSTATUS: the general registers in user_regs_struct order. */
  gpregs(core: core_entry): Uint8Array;
  /** The notes after NT_PRSTATUS of each thread: FP/SIMD state, extended state, TLS. */
  regsets(core: core_entry): Note[];
  /** The thread's program counter and stack pointer, for messages and tests. */
  pcsp(core: core_entry): [pc: bigint, sp: bigint];
}

/** The 512-byte FXSAVE area of user_i387_struct, from CRIU's copy of it. */
function fxsave(fp: user_x86_fpregs_entry): Out {
  const o = new Out(512);
  o.u16(fp.cwd).u16(fp.swd).u16(fp.twd).u16(fp.fop).u64(fp.rip).u64(fp.rdp).u32(fp.mxcsr).u32(fp.mxcsrMask);
  o.raw(words32(fp.stSpace, 32)).raw(words32(fp.xmmSpace, 64)).raw(words32(fp.padding, 24));
  return o;
}

/**
 * XSAVE components CRIU keeps, with the XCR0 bits they stand for and where
 * the standard (non-compacted) format puts them on Intel CPUs. gdb tells
 * layouts apart by size, and knows Intel's for every mix of these, so the
 * core uses it whatever CPU the dump came from.
 */
const XSAVE_PARTS: readonly {
  bits: bigint;
  at: number;
  size: number;
  bytes: (x: user_x86_xsave_entry) => Uint8Array | undefined;
}[] = [
  { bits: 0x4n, at: 576, size: 256, bytes: (x) => (x.ymmhSpace.length ? words32(x.ymmhSpace, 64) : undefined) },
  { bits: 0x18n, at: 960, size: 128, bytes: (x) => mpx(x) },
  {
    bits: 0xe0n,
    at: 1088,
    size: 1600,
    bytes: (x) =>
      x.opmaskReg.length || x.zmmUpper.length || x.hi16Zmm.length
        ? new Out(1600).raw(words64(x.opmaskReg, 8)).raw(words64(x.zmmUpper, 64)).raw(words64(x.hi16Zmm, 128)).bytes
        : undefined,
  },
  { bits: 0x200n, at: 2688, size: 8, bytes: (x) => (x.pkru.length ? words32(x.pkru, 2) : undefined) },
];

function mpx(x: user_x86_xsave_entry): Uint8Array | undefined {
  if (!x.bndregState.length && !x.bndcsrState.length) return undefined;
  return new Out(128).raw(words64(x.bndregState, 8)).raw(words64(x.bndcsrState, 8)).bytes.subarray(0, 128);
}

/** NT_X86_XSTATE: the FXSAVE area with XCR0 in its software bytes, the header, and each component held. */
function xstate(fp: user_x86_fpregs_entry): Uint8Array {
  const x = fp.xsave;
  let xcr0 = 0x3n;
  let size = 576;
  const parts: [number, Uint8Array][] = [];
  for (const p of x ? XSAVE_PARTS : []) {
    const b = p.bytes(x as user_x86_xsave_entry);
    if (!b) continue;
    xcr0 |= p.bits;
    size = Math.max(size, p.at + p.size);
    parts.push([p.at, b]);
  }
  // With PKRU, the space of every component before it is there: Intel's size for XCR0 with PKRU is 2696.
  const o = new Out(size);
  o.raw(fxsave(fp).bytes);
  // sw_reserved: XCR0 first (the kernel's xstate_fx_sw_bytes, which gdb reads at offset 464).
  o.at = 464;
  o.u64(xcr0);
  o.at = 512;
  o.u64((x?.xstateBv ?? 0x3n) & xcr0);
  for (const [at, b] of parts) {
    o.at = at;
    o.raw(b);
  }
  return o.bytes;
}

const X86_64: CoreArch = {
  name: "x86_64",
  machine: 62,
  gpregs(core) {
    const r = core.threadInfo?.gpregs;
    if (!r) return new Uint8Array(27 * 8);
    return words64(
      [
        r.r15,
        r.r14,
        r.r13,
        r.r12,
        r.bp,
        r.bx,
        r.r11,
        r.r10,
        r.r9,
        r.r8,
        r.ax,
        r.cx,
        r.dx,
        r.si,
        r.di,
        r.origAx,
        r.ip,
        r.cs,
        r.flags,
        r.sp,
        r.ss,
        r.fsBase,
        r.gsBase,
        r.ds,
        r.es,
        r.fs,
        r.gs,
      ],
      27,
    );
  },
  regsets(core) {
    const fp = core.threadInfo?.fpregs;
    if (!fp) return [];
    return [
      { name: "CORE", type: NT_PRFPREG, desc: fxsave(fp).bytes },
      { name: "LINUX", type: NT_X86_XSTATE, desc: xstate(fp) },
    ];
  },
  pcsp: (core) => [core.threadInfo?.gpregs?.ip ?? 0n, core.threadInfo?.gpregs?.sp ?? 0n],
};

const AARCH64: CoreArch = {
  name: "aarch64",
  machine: 183,
  gpregs(core) {
    const r = core.tiAarch64?.gpregs;
    return words64(
      r ? [...r.regs.slice(0, 31), ...Array(31 - Math.min(31, r.regs.length)).fill(0n), r.sp, r.pc, r.pstate] : [],
      34,
    );
  },
  regsets(core) {
    const ti = core.tiAarch64;
    if (!ti) return [];
    // user_fpsimd_state: 32 128-bit registers, fpsr, fpcr, two reserved words.
    const fp = new Out(528)
      .raw(words64(ti.fpsimd?.vregs ?? [], 64))
      .u32(ti.fpsimd?.fpsr ?? 0)
      .u32(ti.fpsimd?.fpcr ?? 0);
    return [
      { name: "CORE", type: NT_PRFPREG, desc: fp.bytes },
      { name: "LINUX", type: NT_ARM_TLS, desc: words64([ti.tls], 1) },
    ];
  },
  pcsp: (core) => [core.tiAarch64?.gpregs?.pc ?? 0n, core.tiAarch64?.gpregs?.sp ?? 0n],
};

/** Architectures by core_entry.mtype. */
export const CORE_ARCHES: Readonly<Record<number, CoreArch>> = {
  [core_entry_march.X86_64]: X86_64,
  [core_entry_march.AARCH64]: AARCH64,
};

/** The architecture's name as CRIU's schema spells it, for the error that refuses it. */
export const marchName = (mtype: number): string => core_entry_march[mtype] ?? `mtype ${mtype}`;
