/** The cpu, kernel and external rules on real checkpoints against made-up hosts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import type { core_entry } from "../../src/gen/core_pb.js";
import { openCheckpoint } from "../../src/node/open.js";
import { type HostCpu, preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { fact, fakeHost } from "../helpers/fake-host.js";

const X86_FLAGS =
  "fpu tsc cx8 sep cmov clflush mmx fxsr sse sse2 syscall mmxext rdtscp pni pclmulqdq monitor ssse3 cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand abm sse4a misalignsse 3dnowprefetch fsgsbase bmi1 avx2 bmi2 erms rdseed adx clflushopt sha_ni xsaveopt xsavec xgetbv1 xsaves clzero rdpid rep_good nopl avx512f avx512dq avx512cd avx512bw avx512vl gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq avx512vbmi avx512_vbmi2".split(
    " ",
  );

const cpu = (over: Partial<HostCpu> = {}) =>
  fakeHost(new Map(), { cpu: fact({ arch: "x86_64", flags: new Set(X86_FLAGS), ...over }) });
const kernel = (release: string, namespaces = ["pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"]) =>
  fakeHost(new Map(), { kernel: fact({ release, namespaces: new Set(namespaces) }) });
const archive = () => openCheckpoint(join(critDir("simple"), "../../archives/podman-web.tar"));

/** The simple checkpoint with its first core edited, and that core's name. */
function withFirstCore(edit: (core: core_entry) => void): { cp: Map<string, Uint8Array>; name: string } {
  const cp = corpusCheckpoint("simple");
  const name = [...cp.keys()].find((n) => n.startsWith("core-")) as string;
  editImage<"CORE">(cp, name, (img) => {
    const c = img.entries[0];
    if (c) edit(c);
  });
  return { cp, name };
}

describe("cpu", () => {
  it("every task's architecture must be this machine's; xsave state needs xsave", async () => {
    const ok = await preflight(corpusCheckpoint("many-fds"), cpu(), { rules: ["cpu"] });
    // The corpus tasks saved x87, SSE and AVX state only.
    expect(ok.rules[0]).toMatchObject({ verdict: "ok", checked: 5, findings: [] });
    const arm = await preflight(corpusCheckpoint("many-fds"), cpu({ arch: "aarch64" }), { rules: ["cpu"] });
    expect(arm.rules[0]?.findings.map((f) => [f.severity, f.criuError])).toEqual([["blocks", "Core march mismatch 1"]]);
    const noXsave = await preflight(corpusCheckpoint("simple"), cpu({ flags: new Set(["fpu", "fxsr"]) }), {
      rules: ["cpu"],
    });
    expect(noXsave.rules[0]?.findings.map((f) => f.criuError)).toEqual([
      "x86: FPU xsave area present, but host cpu doesn't support it",
    ]);
  });

  it("a core of no known architecture (UNKNOWN), without x86 thread state; no core at all", async () => {
    const { cp, name } = withFirstCore((c) => {
      c.mtype = 0; // core_entry.march UNKNOWN
      c.threadInfo = undefined;
    });
    const r = await preflight(cp, cpu(), { rules: ["cpu"] });
    expect(r.rules[0]?.findings.map((f) => [f.severity, f.image, f.subject, f.criuError])).toEqual([
      ["blocks", name, "UNKNOWN", "Core march mismatch 0"],
    ]);
    expect(r.rules[0]?.findings[0]?.problem).toMatch(/^the checkpoint is of UNKNOWN, this host is x86_64/);
    // Nothing to name but cpuinfo.img when the host's CPU is unknown and no task has a core.
    for (const n of [...cp.keys()]) if (n.startsWith("core-")) cp.delete(n);
    const blind = await preflight(cp, fakeHost(), { rules: ["cpu"] });
    expect(blind.rules[0]?.findings.map((f) => [f.severity, f.image])).toEqual([["not-checked", "cpuinfo.img"]]);
  });

  it("no saved xsave state, no xsave needed", async () => {
    const cp = corpusCheckpoint("simple");
    for (const name of [...cp.keys()].filter((n) => n.startsWith("core-")))
      editImage<"CORE">(cp, name, (img) => {
        const x = img.entries[0]?.threadInfo?.fpregs;
        if (x) x.xsave = undefined;
      });
    const r = await preflight(cp, cpu({ flags: new Set(["fpu", "fxsr"]) }), { rules: ["cpu"] });
    expect(r.rules[0]).toMatchObject({ verdict: "ok", findings: [] });
  });

  it("a core of an architecture the schema does not know: the number CRIU prints", async () => {
    const { cp, name } = withFirstCore((c) => {
      // A newer CRIU's march 42, which protobuf-es keeps among the unknown fields (the last value wins, in C too).
      c.$unknown = [{ no: 1, wireType: WireType.Varint, data: new Uint8Array([42]) }];
      c.threadInfo = undefined;
    });
    const r = await preflight(cp, cpu(), { rules: ["cpu"] });
    expect(r.rules[0]?.findings.map((f) => [f.severity, f.image, f.subject, f.criuError])).toEqual([
      ["blocks", name, "42", "Core march mismatch 42"],
    ]);
    expect(r.rules[0]?.findings[0]?.problem).toMatch(/^the checkpoint is of mtype 42, this host is x86_64/);
  });

  it("warns when tasks hold register state of features this CPU does not enable (XSTATE_BV)", async () => {
    const { cp, name: pid } = withFirstCore((c) => {
      const x = c.threadInfo?.fpregs?.xsave;
      if (x) x.xstateBv = 0x2e7n;
    });
    const noAvx512 = await preflight(cp, cpu({ flags: new Set(X86_FLAGS.filter((f) => f !== "avx512f")) }), {
      rules: ["cpu"],
    });
    expect(noAvx512.rules[0]?.findings.map((f) => [f.severity, f.subject, f.image])).toEqual([
      ["warns", "avx512f ospke", pid],
    ]);
    const all = await preflight(cp, cpu({ flags: new Set([...X86_FLAGS, "ospke"]) }), { rules: ["cpu"] });
    expect(all.rules[0]?.findings).toEqual([]);
  });

  it("cpuinfo.img (a dump with --cpu-cap) is compared as --cpu-cap would: FPU, instructions, xsave mask and sizes", async () => {
    const img = JSON.parse(readFileSync(join(critDir("cpuinfo"), "cpuinfo.img.json"), "utf8")).entries[0].x86_entry[0];
    const cp = corpusCheckpoint("cpuinfo");
    const sizes = {
      xfeaturesMask: BigInt(img.xfeatures_mask),
      xsaveSize: img.xsave_size,
      xsaveSizeMax: img.xsave_size_max,
    };
    const same = await preflight(cp, cpu(sizes), { rules: ["cpu"] });
    expect(same.rules[0]?.findings).toEqual([]);
    const unknownSizes = await preflight(cp, cpu(), { rules: ["cpu"] });
    expect(unknownSizes.rules[0]?.verdict).toBe("not-checked");
    // X86_FEATURE_XMM2 is word 0, bit 26 (the kernel's cpufeatures.h): SSE2.
    expect(img.capability[0] & (1 << 26)).not.toBe(0);
    const noSse2 = await preflight(cp, cpu({ ...sizes, flags: new Set(X86_FLAGS.filter((f) => f !== "sse2")) }), {
      rules: ["cpu"],
    });
    expect(noSse2.rules[0]?.findings.map((f) => [f.severity, f.subject, f.criuError])).toEqual([
      ["warns", "sse2", "cpu: CPU instruction capabilities do not match run time"],
    ]);
    const fewer = await preflight(cp, cpu({ ...sizes, xfeaturesMask: 7n }), { rules: ["cpu"] });
    const unsupported = BigInt(img.xfeatures_mask) & ~7n;
    expect(fewer.rules[0]?.findings.map((f) => f.criuError)).toEqual([
      `cpu: CPU xfeatures has unsupported bits (0x${unsupported.toString(16)})`,
    ]);
    const bigger = await preflight(cp, cpu({ ...sizes, xsaveSize: img.xsave_size + 8 }), { rules: ["cpu"] });
    expect(bigger.rules[0]?.findings.map((f) => f.criuError)).toEqual([
      `cpu: CPU xsave size mismatch (${img.xsave_size}/${img.xsave_size + 8})`,
    ]);
    const noFpu = await preflight(cp, cpu({ ...sizes, flags: new Set(X86_FLAGS.filter((f) => f !== "fxsr")) }), {
      rules: ["cpu"],
    });
    expect(noFpu.rules[0]?.findings.map((f) => f.criuError)).toEqual([
      "cpu: FPU feature required by image is not supported on host",
      "cpu: CPU instruction capabilities do not match run time",
    ]);
  });
});

describe("kernel", () => {
  it("memfd and pidfd files need the kernels that recreate them", async () => {
    const cp = corpusCheckpoint("many-fds");
    const now = await preflight(cp, kernel("6.1.0-50-amd64"), { rules: ["kernel"] });
    expect(now.rules[0]).toMatchObject({ verdict: "ok", findings: [] });
    const old = await preflight(cp, kernel("5.2.21"), { rules: ["kernel"] });
    expect(old.rules[0]?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      ["PIDFD", "pidfd: Could not open pidfd for 11672: Function not implemented"],
    ]);
    const older = await preflight(cp, kernel("3.10.0-1160.el7.x86_64"), { rules: ["kernel"] });
    expect(older.rules[0]?.findings.map((f) => f.subject).sort()).toEqual(["MEMFD", "PIDFD"]);
  });

  it("a dump made with --lazy-pages needs --lazy-pages and userfaultfd", async () => {
    const cp = corpusCheckpoint("memory");
    const plain = await preflight(cp, kernel("6.1.0"), { rules: ["kernel"] });
    // Every anonymous page of a plain dump is PE_PRESENT | PE_LAZY: nothing to serve remotely.
    expect(plain.rules[0]?.findings).toEqual([]);
    const pagemap = [...cp.keys()].find((n) => /^pagemap-\d+\.img$/.test(n)) as string;
    editImage<"PAGEMAP">(cp, pagemap, (img) => {
      for (const e of img.entries.slice(1)) if ("flags" in e && e.flags === 6) e.flags = 2;
    });
    const withUffd = fakeHost(new Map(), {
      kernel: fact({ release: "6.1.0", namespaces: new Set<string>() }),
      userfaultfd: fact(true),
    });
    const lazy = await preflight(cp, withUffd, { rules: ["kernel"] });
    expect(lazy.rules[0]?.findings.map((f) => [f.severity, f.image])).toEqual([["needs", pagemap]]);
    expect(lazy.restoreOptions).toEqual(["--lazy-pages"]);
    const noUffd = await preflight(cp, { ...withUffd, userfaultfd: fact(false) }, { rules: ["kernel"] });
    expect(noUffd.rules[0]?.findings.map((f) => f.severity)).toEqual(["needs", "blocks"]);
    const unknown = await preflight(cp, kernel("6.1.0", []), { rules: ["kernel"] });
    expect(unknown.rules[0]?.verdict).toBe("not-checked");
  });

  it("the namespaces a checkpoint brings must exist here", async () => {
    const cp = await archive();
    const noTime = await preflight(cp, kernel("5.4.0", ["pid", "net", "ipc", "uts", "mnt", "user", "cgroup"]), {
      rules: ["kernel"],
    });
    expect(noTime.rules[0]?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      ["time namespace", "Unable to create a new time namespace: Invalid argument"],
    ]);
    // The simple dump shares every namespace with the CRIU that dumped it: nothing to create.
    const simple = await preflight(corpusCheckpoint("simple"), kernel("5.4.0", []), { rules: ["kernel"] });
    expect(simple.rules[0]?.findings).toEqual([]);
  });
});

describe("external", () => {
  it("lists the external mounts (from crit's JSON) and the external network namespace of a Podman export", async () => {
    const cp = await archive();
    const r = await preflight(cp, fakeHost(), { rules: ["external"] });
    const mountImage = cp.names().find((n) => n.startsWith("mountpoints-")) as string;
    const mounts = cp.kind(mountImage, "MNTS")?.entries ?? [];
    const keys = mounts.filter((m) => Object.hasOwn(m, "extKey")).map((m) => m.extKey);
    expect(keys.length).toBeGreaterThan(5);
    expect(r.restoreOptions.filter((o) => o.startsWith("--external mnt["))).toEqual([
      ...new Set(keys.map((k) => `--external mnt[${k}]:<host path>`)),
    ]);
    expect(r.restoreOptions).toContain("--inherit-fd fd[<fd>]:extRootNetNS");
    expect(r.rules[0]?.verdict).toBe("ok");
  });

  it("a network namespace CRIU restores itself (no ext_key) needs nothing, and is counted", async () => {
    const r = await preflight(corpusCheckpoint("netns"), fakeHost(), { rules: ["external"] });
    expect(r.rules[0]?.findings.filter((f) => f.subject === "network namespace")).toEqual([]);
    expect(r.restoreOptions.filter((o) => o.startsWith("--inherit-fd"))).toEqual([]);
    const netns = corpusCheckpoint("netns");
    const count = [...netns.keys()].filter((n) => /^netns-\d+\.img$/.test(n)).length;
    expect(count).toBeGreaterThan(0);
    expect(r.rules[0]?.checked).toBeGreaterThanOrEqual(count);
  });

  it("a terminal without its master needs --shell-job; an external unix peer needs --ext-unix-sk", async () => {
    const cp = corpusCheckpoint("many-fds");
    expect((await preflight(cp, fakeHost(), { rules: ["external"] })).restoreOptions).toEqual([]);
    editImage<"TTY_INFO">(cp, "tty-info.img", (img) => {
      img.entries = img.entries.filter((t) => t.rdev !== 0x502);
    });
    const shell = await preflight(cp, fakeHost(), { rules: ["external"] });
    expect(shell.rules[0]?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      ["/dev/pts/0", "tty: Found slave peer index 0 without correspond master peer"],
    ]);
    expect(shell.restoreOptions).toEqual(["--shell-job"]);
    // /dev/pts/2 (136:2) shares its minor with /dev/ptmx (5:2): still a slave.
    editImage<"TTY_INFO">(cp, "tty-info.img", (img) => {
      for (const t of img.entries)
        if (t.rdev === 0x8800 && t.pty) {
          t.rdev = 0x8802;
          t.pty.index = 2;
        }
    });
    const pts2 = await preflight(cp, fakeHost(), { rules: ["external"] });
    expect(pts2.rules[0]?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      ["/dev/pts/2", "tty: Found slave peer index 2 without correspond master peer"],
    ]);
    const sockets = corpusCheckpoint("mixed-sockets");
    editImage<"FILES">(sockets, "files.img", (img) => {
      const u = img.entries.find((f) => f.usk?.id === 33);
      if (u?.usk) u.usk.uflags = 1;
    });
    expect((await preflight(sockets, fakeHost(), { rules: ["external"] })).restoreOptions).toEqual(["--ext-unix-sk"]);
  });
});
