/**
 * The instruction features a restore with --cpu-cap compares, bit by bit:
 * for each, a cpuinfo.img with only that bit set, on a host whose
 * /proc/cpuinfo lacks only that flag. The bits and names are Linux's
 * (arch/x86/include/asm/cpufeatures.h, word × 32 + bit, and the name
 * /proc/cpuinfo shows), for the features CRIU's x86_ins_capability_mask
 * lists (criu/arch/x86/cpu.c).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type HostCpu, preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { fact, fakeHost } from "../helpers/fake-host.js";

const LINUX: [word: number, bit: number, flag: string][] = [
  [0, 0, "fpu"],
  [0, 4, "tsc"],
  [0, 8, "cx8"],
  [0, 11, "sep"],
  [0, 15, "cmov"],
  [0, 19, "clflush"],
  [0, 23, "mmx"],
  [0, 24, "fxsr"],
  [0, 25, "sse"],
  [0, 26, "sse2"],
  [1, 11, "syscall"],
  [1, 22, "mmxext"],
  [1, 27, "rdtscp"],
  [1, 30, "3dnowext"],
  [1, 31, "3dnow"],
  [3, 16, "rep_good"],
  [3, 20, "nopl"],
  [4, 0, "pni"],
  [4, 1, "pclmulqdq"],
  [4, 3, "monitor"],
  [4, 9, "ssse3"],
  [4, 13, "cx16"],
  [4, 19, "sse4_1"],
  [4, 20, "sse4_2"],
  [4, 22, "movbe"],
  [4, 23, "popcnt"],
  [4, 25, "aes"],
  [4, 26, "xsave"],
  [4, 28, "avx"],
  [4, 29, "f16c"],
  [4, 30, "rdrand"],
  [6, 5, "abm"],
  [6, 6, "sse4a"],
  [6, 7, "misalignsse"],
  [6, 8, "3dnowprefetch"],
  [6, 11, "xop"],
  [6, 16, "fma4"],
  [6, 21, "tbm"],
  [9, 0, "fsgsbase"],
  [9, 3, "bmi1"],
  [9, 4, "hle"],
  [9, 5, "avx2"],
  [9, 8, "bmi2"],
  [9, 9, "erms"],
  [9, 11, "rtm"],
  [9, 14, "mpx"],
  [9, 16, "avx512f"],
  [9, 17, "avx512dq"],
  [9, 18, "rdseed"],
  [9, 19, "adx"],
  [9, 23, "clflushopt"],
  [9, 26, "avx512pf"],
  [9, 27, "avx512er"],
  [9, 28, "avx512cd"],
  [9, 29, "sha_ni"],
  [9, 30, "avx512bw"],
  [9, 31, "avx512vl"],
  [10, 0, "xsaveopt"],
  [10, 1, "xsavec"],
  [10, 2, "xgetbv1"],
  [11, 1, "avx512vbmi"],
  [11, 6, "avx512_vbmi2"],
  [11, 8, "gfni"],
  [11, 9, "vaes"],
  [11, 10, "vpclmulqdq"],
  [11, 11, "avx512_vnni"],
  [11, 12, "avx512_bitalg"],
  [11, 13, "tme"],
  [11, 14, "avx512_vpopcntdq"],
  [11, 22, "rdpid"],
  [13, 0, "clzero"],
  [18, 2, "avx512_4vnniw"],
  [18, 3, "avx512_4fmaps"],
];
/** OSXSAVE (word 4, bit 27) has no /proc/cpuinfo name; the kernel shows "xsave" only while it enables it. */
const OSXSAVE: [number, number, string] = [4, 27, "xsave"];
/** The FPU features checked first: FPU, FXSR, OSXSAVE, XSAVES (word 10, bit 3). */
const FPU = new Set(["0:0", "0:24", "4:27", "10:3"]);

const img = JSON.parse(readFileSync(join(critDir("cpuinfo"), "cpuinfo.img.json"), "utf8")).entries[0].x86_entry[0];
const sizes = {
  xfeaturesMask: BigInt(img.xfeatures_mask),
  xsaveSize: img.xsave_size,
  xsaveSizeMax: img.xsave_size_max,
};
const every = new Set([...LINUX.map(([, , f]) => f), "xsaves"]);

async function findings(word: number, bit: number, lacking: string) {
  const cp = corpusCheckpoint("cpuinfo");
  editImage<"CPUINFO">(cp, "cpuinfo.img", (i) => {
    const x = i.entries[0]?.x86Entry[0];
    if (x) x.capability = x.capability.map((_, w) => (w === word ? (1 << bit) >>> 0 : 0));
  });
  const flags = new Set([...every].filter((f) => f !== lacking));
  const cpu: HostCpu = { arch: "x86_64", flags, ...sizes };
  const r = await preflight(cp, fakeHost(new Map(), { cpu: fact(cpu) }), { rules: ["cpu"] });
  return r.rules[0]?.findings ?? [];
}

describe("the instruction features --cpu-cap compares", () => {
  it("warns for each one the dumped CPU had and this one lacks, by its /proc/cpuinfo name", async () => {
    for (const [word, bit, flag] of [...LINUX, OSXSAVE]) {
      const f = await findings(word, bit, flag);
      const ins = f.filter((x) => x.criuError === "cpu: CPU instruction capabilities do not match run time");
      expect(
        ins.map((x) => x.subject),
        `${word}:${bit} ${flag}`,
      ).toEqual([flag]);
      expect(
        f.some((x) => x.criuError.startsWith("cpu: FPU feature")),
        `${word}:${bit}`,
      ).toBe(FPU.has(`${word}:${bit}`));
      // With the flag present, nothing.
      expect(await findings(word, bit, "none"), `${word}:${bit}`).toEqual([]);
    }
  });

  it("ignores bits CRIU does not compare", async () => {
    // word 0 bit 1 (vme), word 4 bit 31 (hypervisor), word 9 bit 1 (tsc_adjust): not instruction features.
    for (const [word, bit] of [
      [0, 1],
      [4, 31],
      [9, 1],
    ] as const)
      expect(await findings(word, bit, "none")).toEqual([]);
  });

  it("checks XSAVES as an FPU feature", async () => {
    const f = await findings(10, 3, "xsaves");
    expect(f.map((x) => [x.severity, x.subject, x.criuError])).toEqual([
      ["warns", "xsaves", "cpu: FPU feature required by image is not supported on host"],
    ]);
  });
});
