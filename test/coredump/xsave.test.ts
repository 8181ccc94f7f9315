/**
 * Every XSAVE component CRIU keeps, placed where gdb reads it: a corpus
 * task given AVX, AVX-512 and PKRU state with distinct values, its core
 * opened by gdb (which picks its register layout from XCR0 in the note),
 * each register compared with the words the core image holds. MPX, which
 * gdb 13 no longer shows, is read back from the note by hand.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump } from "../../src/coredump/index.js";
import { corpusDump, editImage } from "../helpers/checkpoints.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-xsave-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const haveGdb = spawnSync("gdb", ["--version"]).status === 0;

/** Distinct 64-bit values: tag in the top byte, index below. */
const u64s = (tag: number, n: number) => Array.from({ length: n }, (_, i) => (BigInt(tag) << 56n) | BigInt(i + 1));
const u32s = (tag: number, n: number) => Array.from({ length: n }, (_, i) => ((tag << 24) | (i + 1)) >>> 0);

const PID = 11146;

const state = {
  ymmh: u32s(0x59, 64),
  bndreg: u64s(0xb1, 8),
  bndcsr: u64s(0xb2, 2),
  opmask: u64s(0x4b, 8),
  zmmUpper: u64s(0x5a, 64),
  hi16: u64s(0x48, 128),
  pkru: [0x55555554, 0],
};

async function core(xstateBv: bigint, mpx: boolean): Promise<Buffer> {
  const cp = corpusDump("simple");
  editImage<"CORE">(cp, `core-${PID}.img`, (img) => {
    const fp = img.entries[0]?.threadInfo?.fpregs;
    if (!fp?.xsave) throw new Error("the corpus task has no xsave state");
    Object.assign(fp.xsave, {
      xstateBv,
      ymmhSpace: state.ymmh,
      bndregState: mpx ? state.bndreg : [],
      bndcsrState: mpx ? state.bndcsr : [],
      opmaskReg: state.opmask,
      zmmUpper: state.zmmUpper,
      hi16Zmm: state.hi16,
      pkru: state.pkru,
    });
  });
  const c = await coreDump(Checkpoint.of(cp), PID);
  const parts: Uint8Array[] = [];
  for await (const p of c.chunks()) parts.push(p);
  return Buffer.concat(parts);
}

/** The NT_X86_XSTATE note's descriptor. */
function xstateNote(b: Buffer): Buffer {
  const phoff = Number(b.readBigUInt64LE(32));
  const off = Number(b.readBigUInt64LE(phoff + 8));
  const size = Number(b.readBigUInt64LE(phoff + 32));
  for (let at = off; at < off + size; ) {
    const namesz = b.readUInt32LE(at);
    const descsz = b.readUInt32LE(at + 4);
    const type = b.readUInt32LE(at + 8);
    const desc = at + 12 + ((namesz + 3) & ~3);
    if (type === 0x202) return b.subarray(desc, desc + descsz);
    at = desc + ((descsz + 3) & ~3);
  }
  throw new Error("no NT_X86_XSTATE");
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

describe("XSAVE state in core files", () => {
  it.runIf(haveGdb)("gdb reads every AVX, AVX-512 and PKRU register as the core image holds it", async () => {
    const path = join(work, `core.${PID}`);
    writeFileSync(path, await core(0x2e7n, false));
    const regs = ["$k0", "$k7", "$pkru", "$ymm0h", "$ymm15h", "$zmm0h", "$zmm15h", "$zmm16", "$zmm31"];
    const r = spawnSync("gdb", ["-nx", "-batch", "-c", path, ...regs.flatMap((x) => ["-ex", `p/x ${x}`])], {
      encoding: "utf8",
    });
    // gdb prints $N = value for each, in order.
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("$"));
    expect(lines.length, r.stdout + r.stderr).toBe(regs.length);
    const value = (i: number) => (lines[i] as string).replace(/^\$\d+ = /, "");
    const wide = (parts: (bigint | number)[], bits: bigint) =>
      hex(parts.reduce<bigint>((v, p, i) => v | (BigInt(p) << (bits * BigInt(i))), 0n));
    expect([value(0), value(1), value(2)]).toEqual([
      hex(state.opmask[0] as bigint),
      hex(state.opmask[7] as bigint),
      hex(BigInt(state.pkru[0] as number)),
    ]);
    // ymmNh: the upper 128 bits of ymmN, YMM_Hi128 words 4N..4N+3.
    expect(value(3)).toBe(wide(state.ymmh.slice(0, 4), 32n));
    expect(value(4)).toBe(wide(state.ymmh.slice(60, 64), 32n));
    // zmmNh: the upper 256 bits of zmmN, ZMM_Hi256 quadwords 4N..4N+3, shown as two 128-bit lanes.
    const lanes = (q: bigint[]) => `{${wide(q.slice(0, 2), 64n)}, ${wide(q.slice(2, 4), 64n)}}`;
    expect(value(5)).toBe(lanes(state.zmmUpper.slice(0, 4)));
    expect(value(6)).toBe(lanes(state.zmmUpper.slice(60, 64)));
    // zmm16..31 come whole from Hi16_ZMM, 8 quadwords each.
    expect(value(7)).toContain(`v8_int64 = {${state.hi16.slice(0, 8).map(hex).join(", ")}}`);
    expect(value(8)).toContain(`v8_int64 = {${state.hi16.slice(120, 128).map(hex).join(", ")}}`);
  });

  it("puts each component at Intel's offset, with XCR0 and XSTATE_BV saying which are there", async () => {
    const note = xstateNote(await core(0x2ffn, true));
    expect(note.length).toBe(2696);
    expect(note.readBigUInt64LE(464)).toBe(0x2ffn);
    expect(note.readBigUInt64LE(512)).toBe(0x2ffn);
    expect(note.readUInt32LE(576)).toBe(state.ymmh[0]);
    expect(note.readUInt32LE(576 + 255 - 3)).toBe(state.ymmh[63]);
    expect(note.readBigUInt64LE(960)).toBe(state.bndreg[0]);
    expect(note.readBigUInt64LE(960 + 56)).toBe(state.bndreg[7]);
    expect(note.readBigUInt64LE(1024)).toBe(state.bndcsr[0]);
    expect(note.readBigUInt64LE(1088)).toBe(state.opmask[0]);
    expect(note.readBigUInt64LE(1152)).toBe(state.zmmUpper[0]);
    expect(note.readBigUInt64LE(1664)).toBe(state.hi16[0]);
    expect(note.readBigUInt64LE(2680)).toBe(state.hi16[127]);
    expect(note.readUInt32LE(2688)).toBe(state.pkru[0]);
  });

  it("holds only the components the task had: XCR0 without them, XSTATE_BV masked, the note no longer", async () => {
    const cp = corpusDump("simple");
    editImage<"CORE">(cp, `core-${PID}.img`, (img) => {
      const x = img.entries[0]?.threadInfo?.fpregs?.xsave;
      if (!x) throw new Error("no xsave");
      Object.assign(x, { xstateBv: 0xffn, ymmhSpace: state.ymmh, opmaskReg: [], zmmUpper: [], hi16Zmm: [], pkru: [] });
    });
    const c = await coreDump(Checkpoint.of(cp), PID);
    const parts: Uint8Array[] = [];
    for await (const p of c.chunks()) parts.push(p);
    const note = xstateNote(Buffer.concat(parts));
    expect(note.length).toBe(832);
    expect(note.readBigUInt64LE(464)).toBe(0x7n);
    expect(note.readBigUInt64LE(512)).toBe(0x7n);
  });
});
