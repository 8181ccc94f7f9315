/**
 * Rule 6: the CPU. Every task's core image must be of this machine's
 * architecture (criu/cr-restore.c, check_core: "Core march mismatch"), and
 * on x86 a task saved with an xsave area needs a host that enables xsave
 * (criu/arch/x86/crtools.c, the FPU restore: "FPU xsave area present, but
 * host cpu doesn't support it"). A checkpoint dumped with --cpu-cap carries
 * cpuinfo.img; a restore given --cpu-cap then compares it as
 * criu/arch/x86/cpu.c, cpu_validate_features does: the FPU features, the
 * xsave feature mask and sizes, and the instruction set.
 */
import { core_entry_march } from "../../gen/index.js";
import { unknownEnumValue } from "../../image/names.js";
import type { PreflightContext } from "../context.js";
import { type HostCpu, known } from "../host.js";
import { type Finding, READ_HOST, unchecked } from "../report.js";
import type { RuleRun } from "../rule.js";

/** core_entry.mtype's field number (core.proto). */
const MTYPE_FIELD = 1;

/** uname -m of each core_entry.mtype. */
const MACHINES: Record<number, readonly string[]> = {
  [core_entry_march.X86_64]: ["x86_64"],
  [core_entry_march.ARM]: ["armv7l", "armv6l", "armv8l"],
  [core_entry_march.AARCH64]: ["aarch64"],
  [core_entry_march.PPC64]: ["ppc64le", "ppc64"],
  [core_entry_march.S390]: ["s390x"],
  [core_entry_march.MIPS]: ["mips64"],
  [core_entry_march.LOONGARCH64]: ["loongarch64"],
  [core_entry_march.RISCV64]: ["riscv64"],
};

/**
 * The instruction features CRIU's --cpu-cap=ins compares
 * (x86_ins_capability_mask), as kernel feature bits (word × 32 + bit) and
 * their /proc/cpuinfo names. OSXSAVE has no name there; the kernel shows
 * "xsave" only while it enables it, so that stands in for it.
 */
const INS_FEATURES: readonly [bit: number, flag: string][] = [
  [0, "fpu"],
  [4, "tsc"],
  [8, "cx8"],
  [11, "sep"],
  [15, "cmov"],
  [19, "clflush"],
  [23, "mmx"],
  [24, "fxsr"],
  [25, "sse"],
  [26, "sse2"],
  [43, "syscall"],
  [54, "mmxext"],
  [59, "rdtscp"],
  [62, "3dnowext"],
  [63, "3dnow"],
  [112, "rep_good"],
  [116, "nopl"],
  [128, "pni"],
  [129, "pclmulqdq"],
  [131, "monitor"],
  [137, "ssse3"],
  [141, "cx16"],
  [147, "sse4_1"],
  [148, "sse4_2"],
  [150, "movbe"],
  [151, "popcnt"],
  [153, "aes"],
  [154, "xsave"],
  [155, "xsave"],
  [156, "avx"],
  [157, "f16c"],
  [158, "rdrand"],
  [197, "abm"],
  [198, "sse4a"],
  [199, "misalignsse"],
  [200, "3dnowprefetch"],
  [203, "xop"],
  [208, "fma4"],
  [213, "tbm"],
  [288, "fsgsbase"],
  [291, "bmi1"],
  [292, "hle"],
  [293, "avx2"],
  [296, "bmi2"],
  [297, "erms"],
  [299, "rtm"],
  [302, "mpx"],
  [304, "avx512f"],
  [305, "avx512dq"],
  [306, "rdseed"],
  [307, "adx"],
  [311, "clflushopt"],
  [314, "avx512pf"],
  [315, "avx512er"],
  [316, "avx512cd"],
  [317, "sha_ni"],
  [318, "avx512bw"],
  [319, "avx512vl"],
  [320, "xsaveopt"],
  [321, "xsavec"],
  [322, "xgetbv1"],
  [353, "avx512vbmi"],
  [358, "avx512_vbmi2"],
  [360, "gfni"],
  [361, "vaes"],
  [362, "vpclmulqdq"],
  [363, "avx512_vnni"],
  [364, "avx512_bitalg"],
  [365, "tme"],
  [366, "avx512_vpopcntdq"],
  [374, "rdpid"],
  [416, "clzero"],
  [578, "avx512_4vnniw"],
  [579, "avx512_4fmaps"],
];

/** The FPU features cpu_validate_features requires first (FPU, FXSR, OSXSAVE, XSAVES). */
const FPU_FEATURES: readonly [bit: number, flag: string][] = [
  [0, "fpu"],
  [24, "fxsr"],
  [155, "xsave"],
  [323, "xsaves"],
];

/** XSTATE_BV bits of the state CRIU saves, and the /proc/cpuinfo flag a kernel shows when it enables that state. */
const XSTATE_FEATURES: readonly [bits: bigint, flag: string][] = [
  [0x4n, "avx"],
  [0x18n, "mpx"],
  [0xe0n, "avx512f"],
  [0x200n, "ospke"],
];

const hasBit = (words: readonly number[], bit: number) => ((words[bit >> 5] ?? 0) >>> (bit & 31)) & 1;

/** The CPU rule. */
export async function cpuRule(ctx: PreflightContext): Promise<RuleRun> {
  const { cp } = ctx;
  const cpu = await ctx.host.cpu();
  const findings: Finding[] = [];
  const cores = cp.names().filter((n) => /^core-\d+\.img$/.test(n));
  if (!known(cpu)) {
    const at = { rule: "cpu" as const, image: cores[0] ?? "cpuinfo.img", entry: "", subject: "cpu" };
    findings.push(unchecked(at, `cannot read this host's CPU: ${cpu.notKnown}`, READ_HOST));
    return { findings, checked: 0 };
  }
  let xsaveTask: string | undefined;
  // Saved state of extended registers: which features' state, first seen where.
  const used = new Map<string, string>();
  const archs = new Map<number, string>();
  for (const name of cores) {
    const core = cp.first(name, "CORE");
    if (!core) continue;
    // A number the schema does not know (a newer architecture) is CRIU's to print: "Core march mismatch 9".
    const mtype = unknownEnumValue(core, MTYPE_FIELD) ?? core.mtype;
    if (!archs.has(mtype)) archs.set(mtype, name);
    const x = core.threadInfo?.fpregs?.xsave;
    if (x && !xsaveTask) xsaveTask = name;
    for (const [bits, flag] of XSTATE_FEATURES) if (x && x.xstateBv & bits && !used.has(flag)) used.set(flag, name);
  }
  for (const [mtype, image] of archs) {
    if (MACHINES[mtype]?.includes(cpu.arch)) continue;
    findings.push({
      rule: "cpu",
      severity: "blocks",
      image,
      entry: "mtype",
      subject: core_entry_march[mtype] ?? String(mtype),
      problem: `the checkpoint is of ${core_entry_march[mtype] ?? `mtype ${mtype}`}, this host is ${cpu.arch}`,
      criuError: `Core march mismatch ${mtype}`,
      fix: "Restore on a machine of the checkpoint's architecture.",
    });
  }
  if (xsaveTask && cpu.arch === "x86_64" && !cpu.flags.has("xsave")) {
    findings.push({
      rule: "cpu",
      severity: "blocks",
      image: xsaveTask,
      entry: "thread_info.fpregs.xsave",
      subject: "xsave",
      problem: "tasks were saved with an xsave area and this host's kernel does not enable xsave",
      criuError: "x86: FPU xsave area present, but host cpu doesn't support it",
      fix: "Restore on a CPU with xsave (and a kernel booted without noxsave), or restore with --cpu-cap=none to drop the extended state.",
    });
  }
  const lacking = cpu.arch === "x86_64" && cpu.flags.has("xsave") ? [...used].filter(([f]) => !cpu.flags.has(f)) : [];
  if (lacking.length) {
    findings.push({
      rule: "cpu",
      severity: "warns",
      image: (lacking[0] as [string, string])[1],
      entry: "thread_info.fpregs.xsave.xstate_bv",
      subject: lacking.map(([f]) => f).join(" "),
      problem: `tasks were saved using ${lacking.map(([f]) => f).join(", ")} registers, which this CPU or kernel does not enable: the kernel refuses that state when the restorer returns to the task, and the task is killed`,
      criuError: "",
      fix: "Restore on a CPU with these features.",
    });
  }
  findings.push(...cpuinfoFindings(ctx, cpu));
  return { findings, checked: cores.length };
}

/** What a restore with --cpu-cap finds comparing cpuinfo.img with this CPU. */
function cpuinfoFindings(ctx: PreflightContext, cpu: HostCpu): Finding[] {
  const x86 = ctx.cp.first("cpuinfo.img", "CPUINFO")?.x86Entry[0];
  if (!x86 || cpu.arch !== "x86_64") return [];
  const at = { rule: "cpu" as const, image: "cpuinfo.img", entry: "x86_entry" };
  const when = "when the restore is given --cpu-cap (as the dump was): ";
  const out: Finding[] = [];
  const missing = (table: readonly [number, string][]) => [
    ...new Set(table.filter(([bit, flag]) => hasBit(x86.capability, bit) && !cpu.flags.has(flag)).map(([, f]) => f)),
  ];
  const fpu = missing(FPU_FEATURES);
  if (fpu.length) {
    out.push({
      ...at,
      severity: "warns",
      subject: fpu.join(" "),
      problem: `${when}the dumped CPU had FPU features this one lacks: ${fpu.join(", ")}`,
      criuError: "cpu: FPU feature required by image is not supported on host",
      fix: "Restore without --cpu-cap, or on a CPU with these features.",
    });
  }
  const mask = x86.xfeaturesMask ?? 0n;
  if (cpu.xfeaturesMask === undefined || cpu.xsaveSize === undefined || cpu.xsaveSizeMax === undefined) {
    out.push(
      unchecked(
        { ...at, subject: "xsave" },
        `${when}xfeatures ${`0x${mask.toString(16)}`} and xsave size ${x86.xsaveSize ?? 0} are compared with CPUID, which this host's facts lack`,
        "Run `criu check --cpu-cap` with the images on this host.",
      ),
    );
  } else if (mask & ~cpu.xfeaturesMask) {
    out.push({
      ...at,
      severity: "warns",
      subject: "xfeatures",
      problem: `${when}xsave features 0x${(mask & ~cpu.xfeaturesMask).toString(16)} of the dumped CPU are not enabled here`,
      criuError: `cpu: CPU xfeatures has unsupported bits (0x${(mask & ~cpu.xfeaturesMask).toString(16)})`,
      fix: "Restore without --cpu-cap, or on a CPU with these xsave features.",
    });
  } else if ((x86.xsaveSize ?? 0) !== cpu.xsaveSize || (x86.xsaveSizeMax ?? 0) !== cpu.xsaveSizeMax) {
    const max = (x86.xsaveSize ?? 0) === cpu.xsaveSize;
    out.push({
      ...at,
      severity: "warns",
      subject: "xsave size",
      problem: `${when}xsave${max ? " max" : ""} size differs`,
      criuError: max
        ? `cpu: CPU xsave max size mismatch (${x86.xsaveSizeMax ?? 0}/${cpu.xsaveSizeMax})`
        : `cpu: CPU xsave size mismatch (${x86.xsaveSize ?? 0}/${cpu.xsaveSize})`,
      fix: "Restore without --cpu-cap, or on the same CPU model.",
    });
  }
  const ins = missing(INS_FEATURES);
  if (ins.length) {
    out.push({
      ...at,
      severity: "warns",
      subject: ins.join(" "),
      problem: `${when}the dumped CPU had instructions this one lacks: ${ins.join(", ")}; programs that use them would fault`,
      criuError: "cpu: CPU instruction capabilities do not match run time",
      fix: "Restore on a CPU with these instructions.",
    });
  }
  return out;
}
