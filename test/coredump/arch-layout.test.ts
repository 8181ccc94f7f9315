/**
 * Each architecture's part of a core file, byte by byte, from core entries
 * built here: the kernel's user_regs_struct and user_fpsimd_state layouts
 * (arch/arm64/include/uapi/asm/ptrace.h, arch/x86/include/asm/user_64.h),
 * registers CRIU did not save read as zeros, and XSAVE components that are
 * there in part.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CORE_ARCHES, marchName } from "../../src/coredump/index.js";
import {
  core_entry_march,
  core_entrySchema,
  thread_info_aarch64Schema,
  thread_info_x86Schema,
  user_aarch64_fpsimd_context_entrySchema,
  user_aarch64_regs_entrySchema,
  user_x86_fpregs_entrySchema,
  user_x86_regs_entrySchema,
  user_x86_xsave_entrySchema,
} from "../../src/gen/index.js";

const x86 = CORE_ARCHES[core_entry_march.X86_64];
const arm = CORE_ARCHES[core_entry_march.AARCH64];
const u64s = (b: Uint8Array) => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 8 }, (_, i) => v.getBigUint64(i * 8, true));
};
const u64 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);

describe("aarch64", () => {
  it("general registers: x0-x30, sp, pc, pstate; fewer saved registers padded with zeros, more cut at 31", () => {
    if (!arm) throw new Error("aarch64");
    expect(arm.machine).toBe(183);
    expect(arm.name).toBe("aarch64");
    const core = (regs: bigint[]) =>
      create(core_entrySchema, {
        mtype: core_entry_march.AARCH64,
        tiAarch64: create(thread_info_aarch64Schema, {
          gpregs: create(user_aarch64_regs_entrySchema, { regs, sp: 0x7ff0n, pc: 0x400123n, pstate: 0x60000000n }),
          tls: 0xabcn,
        }),
      });
    expect(u64s(arm.gpregs(core([1n, 2n, 3n])))).toEqual([
      1n,
      2n,
      3n,
      ...Array(28).fill(0n),
      0x7ff0n,
      0x400123n,
      0x60000000n,
    ]);
    const many = Array.from({ length: 40 }, (_, i) => BigInt(i + 100));
    expect(u64s(arm.gpregs(core(many)))).toEqual([...many.slice(0, 31), 0x7ff0n, 0x400123n, 0x60000000n]);
    expect(arm.pcsp(core([]))).toEqual([0x400123n, 0x7ff0n]);
    // A core entry without aarch64 state: zeros of the right size, no register sets.
    const none = create(core_entrySchema, { mtype: core_entry_march.AARCH64 });
    expect(arm.gpregs(none)).toEqual(new Uint8Array(34 * 8));
    expect(arm.regsets(none)).toEqual([]);
    expect(arm.pcsp(none)).toEqual([0n, 0n]);
    expect(arm.pcsp(create(core_entrySchema, { tiAarch64: create(thread_info_aarch64Schema, { tls: 1n }) }))).toEqual([
      0n,
      0n,
    ]);
  });

  it("FP/SIMD: 32 128-bit registers, fpsr, fpcr and reserved words; TLS; zeros where CRIU saved none", () => {
    if (!arm) throw new Error("aarch64");
    const vregs = Array.from({ length: 64 }, (_, i) => BigInt(i) * 0x1000001n);
    const with_ = create(core_entrySchema, {
      tiAarch64: create(thread_info_aarch64Schema, {
        fpsimd: create(user_aarch64_fpsimd_context_entrySchema, { vregs, fpsr: 0x8000010, fpcr: 0x3000000 }),
        tls: 0x7f00deadbeefn,
      }),
    });
    const [fp, tls] = arm.regsets(with_);
    expect(fp?.name).toBe("CORE");
    expect(fp?.type).toBe(2);
    expect(fp?.desc.length).toBe(528);
    expect(u64s((fp as { desc: Uint8Array }).desc.subarray(0, 512))).toEqual(vregs);
    const v = new DataView((fp as { desc: Uint8Array }).desc.buffer, (fp as { desc: Uint8Array }).desc.byteOffset);
    expect([v.getUint32(512, true), v.getUint32(516, true), v.getUint32(520, true), v.getUint32(524, true)]).toEqual([
      0x8000010, 0x3000000, 0, 0,
    ]);
    expect(tls).toEqual({ name: "LINUX", type: 0x401, desc: new Uint8Array([0xef, 0xbe, 0xad, 0xde, 0, 0x7f, 0, 0]) });
    const noFp = arm.regsets(create(core_entrySchema, { tiAarch64: create(thread_info_aarch64Schema, { tls: 1n }) }));
    expect(noFp[0]?.desc).toEqual(new Uint8Array(528));
  });
});

describe("x86_64", () => {
  it("general registers in user_regs_struct order; none saved reads as zeros; pc and sp", () => {
    if (!x86) throw new Error("x86_64");
    expect([x86.machine, x86.name]).toEqual([62, "x86_64"]);
    const none = create(core_entrySchema, { mtype: core_entry_march.X86_64 });
    expect(x86.gpregs(none)).toEqual(new Uint8Array(27 * 8));
    expect(x86.regsets(none)).toEqual([]);
    expect(x86.pcsp(none)).toEqual([0n, 0n]);
    expect(
      x86.pcsp(create(core_entrySchema, { threadInfo: create(thread_info_x86Schema, { clearTidAddr: 1n }) })),
    ).toEqual([0n, 0n]);
    const regs = create(user_x86_regs_entrySchema, { r15: 1n, ip: 0x401000n, sp: 0x7ffe0000n, gs: 27n });
    const core = create(core_entrySchema, { threadInfo: create(thread_info_x86Schema, { gpregs: regs }) });
    const words = u64s(x86.gpregs(core));
    expect(words.length).toBe(27);
    expect([words[0], words[16], words[19], words[26]]).toEqual([1n, 0x401000n, 0x7ffe0000n, 27n]);
    expect(x86.pcsp(core)).toEqual([0x401000n, 0x7ffe0000n]);
  });

  const xstateOf = (xsave?: Parameters<typeof create<typeof user_x86_xsave_entrySchema>>[1]) => {
    if (!x86) throw new Error("x86_64");
    const fpregs = create(user_x86_fpregs_entrySchema, {
      cwd: 0x37f,
      mxcsr: 0x1f80,
      ...(xsave ? { xsave: create(user_x86_xsave_entrySchema, xsave) } : {}),
    });
    const sets = x86.regsets(create(core_entrySchema, { threadInfo: create(thread_info_x86Schema, { fpregs }) }));
    expect(sets.map((s) => [s.name, s.type])).toEqual([
      ["CORE", 2],
      ["LINUX", 0x202],
    ]);
    expect(sets[0]?.desc.length).toBe(512);
    return (sets[1] as { desc: Uint8Array }).desc;
  };

  it("without an xsave entry: x87 and SSE only, XCR0 and XSTATE_BV 3", () => {
    const d = xstateOf();
    expect(d.length).toBe(576);
    expect([u64(d, 464), u64(d, 512)]).toEqual([3n, 3n]);
  });

  it("MPX from either of its two parts; AVX-512 from any of its three; XSTATE_BV never beyond XCR0", () => {
    const bndcsr = xstateOf({ bndcsrState: [5n, 6n], xstateBv: 0xffffn });
    expect(u64(bndcsr, 464)).toBe(0x1bn);
    expect(u64(bndcsr, 512)).toBe(0x1bn);
    expect(bndcsr.length).toBe(1088);
    expect([u64(bndcsr, 960 + 64), u64(bndcsr, 960 + 72)]).toEqual([5n, 6n]);
    const bndreg = xstateOf({ bndregState: [7n], xstateBv: 0x3n });
    expect([u64(bndreg, 464), u64(bndreg, 512), u64(bndreg, 960)]).toEqual([0x1bn, 0x3n, 7n]);
    const hi16 = xstateOf({ hi16Zmm: [9n], xstateBv: 0xe7n });
    expect([u64(hi16, 464), u64(hi16, 512)]).toEqual([0xe3n, 0xe3n]);
    expect(hi16.length).toBe(2688);
    // opmask (8 words), then ZMM_Hi256 (64 words), then Hi16_ZMM.
    expect(u64(hi16, 1088 + 72 * 8)).toBe(9n);
    const zmm = xstateOf({ zmmUpper: [4n] });
    expect([u64(zmm, 464), u64(zmm, 1088 + 64)]).toEqual([0xe3n, 4n]);
    const opmask = xstateOf({ opmaskReg: [2n] });
    expect([u64(opmask, 464), u64(opmask, 1088)]).toEqual([0xe3n, 2n]);
    const pkru = xstateOf({ pkru: [0x55555554] });
    expect([u64(pkru, 464), pkru.length, pkru[2688]]).toEqual([0x203n, 2696, 0x54]);
  });
});

describe("names", () => {
  it("names an architecture as CRIU's schema does, and an unknown one by number", () => {
    expect(marchName(core_entry_march.PPC64)).toBe("PPC64");
    expect(marchName(99)).toBe("mtype 99");
  });
});
