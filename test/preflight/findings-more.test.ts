/**
 * Every other kind of finding in full (findings.test.ts has one per rule):
 * the problem, CRIU's line, the fix and the option are what users act on,
 * so each is pinned whole, reviewed against CRIU's source where it quotes
 * CRIU.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/open.js";
import { type Finding, type HostCpu, type HostFacts, notKnown, preflight } from "../../src/preflight/index.js";
import { addWorkTmpfs, corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { elfWithNote } from "../helpers/elf.js";
import { type FakeFile, fact, fakeHost } from "../helpers/fake-host.js";

type Cp = Parameters<typeof preflight>[0];
const run = async (cp: Cp, rule: Finding["rule"], host: HostFacts) => {
  const r = (await preflight(cp, host, { rules: [rule] })).rules[0];
  return { verdict: r?.verdict, checked: r?.checked, note: r?.note, findings: r?.findings };
};

const X86 = "fpu fxsr xsave avx sse sse2".split(" ");
const cpuHost = (over: Partial<HostCpu> = {}) =>
  fakeHost(new Map(), { cpu: fact({ arch: "x86_64", flags: new Set(X86), ...over }) });

describe("files and mappings", () => {
  const memory = "/srv/ckpt/work/memory";
  /** crit's view of memory's files.img: every regular file as saved, so only what a case changes differs. */
  const saved = (): Map<string, FakeFile> => {
    const j = JSON.parse(readFileSync(join(critDir("memory"), "files.img.json"), "utf8"));
    const files = new Map<string, FakeFile>();
    for (const e of j.entries)
      if (e.type === "REG") files.set(e.reg.name, { mode: e.reg.mode ?? 0o100644, size: e.reg.size ?? 4096 });
    return files;
  };

  it("a size, a mode and a type that differ", async () => {
    const files = saved();
    files.set(`${memory}/filemap.dat`, { mode: 0o100644, size: 1 });
    files.set(memory, { mode: 0o40700, size: 4096 });
    files.set("/dev/null", { mode: 0o100666, size: 0 });
    expect(await run(corpusCheckpoint("memory"), "files", fakeHost(files))).toMatchInlineSnapshot(`
      {
        "checked": 6,
        "findings": [
          {
            "criuError": "File dev/null has bad mode 0100666 (expect 020666)",
            "entry": "file id 0x6",
            "fix": "The file's type differs: put back the file the checkpoint had.",
            "image": "files.img",
            "problem": "mode 0100666, the checkpoint expects 020666 (pid 29313 fd 0, pid 29316 fd 0)",
            "rule": "files",
            "severity": "blocks",
            "subject": "/dev/null",
          },
          {
            "criuError": "File srv/ckpt/work/memory has bad mode 040700 (expect 040755)",
            "entry": "file id 0x8",
            "fix": "chmod 0755 the file, or restore with --skip-file-rwx-check",
            "image": "files.img",
            "problem": "mode 040700, the checkpoint expects 040755 (pid 29313 cwd)",
            "rule": "files",
            "severity": "blocks",
            "subject": "/srv/ckpt/work/memory",
          },
          {
            "criuError": "File srv/ckpt/work/memory has bad mode 040700 (expect 040755)",
            "entry": "file id 0xa",
            "fix": "chmod 0755 the file, or restore with --skip-file-rwx-check",
            "image": "files.img",
            "problem": "mode 040700, the checkpoint expects 040755 (pid 29316 cwd)",
            "rule": "files",
            "severity": "blocks",
            "subject": "/srv/ckpt/work/memory",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
    expect(await run(corpusCheckpoint("memory"), "mappings", fakeHost(files))).toMatchInlineSnapshot(`
      {
        "checked": 4,
        "findings": [
          {
            "criuError": "File srv/ckpt/work/memory/filemap.dat has bad size 1 (expect 16384)",
            "entry": "file id 0x2",
            "fix": "Restore the file as it was at dump time (same version and content).",
            "image": "files.img",
            "problem": "size 1, the checkpoint expects 16384 (pid 29313 maps 0x7f58bc160000)",
            "rule": "mappings",
            "severity": "blocks",
            "subject": "/srv/ckpt/work/memory/filemap.dat",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
  });

  it("a build-id that differs, and one that cannot be read", async () => {
    const files = saved();
    const ld = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
    files.set(ld, { ...(files.get(ld) as FakeFile), bytes: elfWithNote(new Uint8Array(20).fill(7), { size: 4096 }) });
    const host = fakeHost(files);
    const libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    const unreadable: HostFacts = {
      ...host,
      head: async (p, n) => (p === libc ? notKnown("EACCES") : host.head(p, n)),
    };
    expect(await run(corpusCheckpoint("memory"), "mappings", unreadable)).toMatchInlineSnapshot(`
      {
        "checked": 4,
        "findings": [
          {
            "criuError": "",
            "entry": "file id 0x3",
            "fix": "Run preflight where it can read the path.",
            "image": "files.img",
            "problem": "cannot read its build-id: EACCES",
            "rule": "mappings",
            "severity": "not-checked",
            "subject": "/usr/lib/x86_64-linux-gnu/libc.so.6",
          },
          {
            "criuError": "File usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 has bad build-ID",
            "entry": "file id 0x5",
            "fix": "Install the same build the checkpoint was made with, or restore with --file-validation=filesize if sizes match.",
            "image": "files.img",
            "problem": "a different build of this ELF file (build-id differs) (pid 29313 maps 0x7f58bc361000, pid 29313 maps 0x7f58bc362000, pid 29313 maps 0x7f58bc388000, pid 29313 maps 0x7f58bc392000, …)",
            "rule": "mappings",
            "severity": "blocks",
            "subject": "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
  });

  it("a file the host cannot stat, and a ghost's name the host cannot stat", async () => {
    const host = fakeHost(new Map());
    const noStat: HostFacts = { ...host, stat: async (p) => (p.endsWith(".ghost") ? notKnown("EIO") : null) };
    const r = await run(corpusCheckpoint("many-fds"), "files", noStat);
    expect(r.findings?.filter((f) => f.severity === "not-checked")).toMatchInlineSnapshot(`
      [
        {
          "criuError": "",
          "entry": "file id 0x13",
          "fix": "Run preflight where it can read the path.",
          "image": "remap-fpath.img",
          "problem": "cannot stat it: EIO",
          "rule": "files",
          "severity": "not-checked",
          "subject": "/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost",
        },
      ]
    `);
    const one: HostFacts = {
      ...host,
      stat: async (p) => (p === "/srv/ckpt/work/many-fds/append.log" ? notKnown("EACCES") : null),
    };
    const s = await run(corpusCheckpoint("many-fds"), "files", one);
    expect(s.findings?.filter((f) => f.severity === "not-checked")).toMatchInlineSnapshot(`
      [
        {
          "criuError": "",
          "entry": "file id 0xe",
          "fix": "Run preflight where it can read the path.",
          "image": "files.img",
          "problem": "cannot stat it: EACCES",
          "rule": "files",
          "severity": "not-checked",
          "subject": "/srv/ckpt/work/many-fds/append.log",
        },
      ]
    `);
  });

  it("a ghost's recreation name that is taken", async () => {
    const files = new Map([["/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost", { mode: 0o100600, size: 3 }]]);
    const r = await run(corpusCheckpoint("many-fds"), "files", fakeHost(files));
    expect(r.findings?.filter((f) => f.image === "remap-fpath.img")).toMatchInlineSnapshot(`
      [
        {
          "criuError": "Can't create ghost regfile: File exists",
          "entry": "file id 0x13",
          "fix": "Remove /srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost.",
          "image": "remap-fpath.img",
          "problem": "the name CRIU recreates the deleted file /srv/ckpt/work/many-fds/ghost.bin under is taken (left by an earlier restore?)",
          "rule": "files",
          "severity": "blocks",
          "subject": "/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost",
        },
      ]
    `);
  });
});

describe("unix", () => {
  it("a file in the way and a stale socket file", async () => {
    const dir = "/srv/ckpt/work/mixed-sockets";
    const files = new Map<string, FakeFile>([
      [dir, { mode: 0o40755, size: 4096 }],
      [`${dir}/ux.sock`, { mode: 0o100644, size: 3 }],
      [`${dir}/ud.sock`, { mode: 0o140755, size: 0 }],
    ]);
    expect(await run(corpusCheckpoint("mixed-sockets"), "unix", fakeHost(files))).toMatchInlineSnapshot(`
      {
        "checked": 2,
        "findings": [
          {
            "criuError": "unix: Can't bind id 0x1a ino 332595 addr ux.sock: Address already in use",
            "entry": "socket id 0x1a",
            "fix": "Remove or move /srv/ckpt/work/mixed-sockets/ux.sock.",
            "image": "files.img",
            "problem": "a file that is not a socket is in the way (CRIU only removes stale socket files)",
            "rule": "unix",
            "severity": "blocks",
            "subject": "/srv/ckpt/work/mixed-sockets/ux.sock",
          },
          {
            "criuError": "",
            "entry": "socket id 0x1f",
            "fix": "Make sure nothing on this host uses /srv/ckpt/work/mixed-sockets/ud.sock.",
            "image": "files.img",
            "problem": "a socket file is there: CRIU removes it and binds anew, taking the name from whatever listens on it now",
            "rule": "unix",
            "severity": "warns",
            "subject": "/srv/ckpt/work/mixed-sockets/ud.sock",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
  });

  it("paths the host cannot look up", async () => {
    const host: HostFacts = { ...fakeHost(), stat: async () => notKnown("EACCES") };
    expect(await run(corpusCheckpoint("mixed-sockets"), "unix", host)).toMatchInlineSnapshot(`
      {
        "checked": 2,
        "findings": [
          {
            "criuError": "",
            "entry": "socket id 0x1a",
            "fix": "Run preflight where it can read the path.",
            "image": "files.img",
            "problem": "cannot stat it: EACCES",
            "rule": "unix",
            "severity": "not-checked",
            "subject": "/srv/ckpt/work/mixed-sockets/ux.sock",
          },
          {
            "criuError": "",
            "entry": "socket id 0x1f",
            "fix": "Run preflight where it can read the path.",
            "image": "files.img",
            "problem": "cannot stat it: EACCES",
            "rule": "unix",
            "severity": "not-checked",
            "subject": "/srv/ckpt/work/mixed-sockets/ud.sock",
          },
        ],
        "note": undefined,
        "verdict": "not-checked",
      }
    `);
  });
});

describe("cpu", () => {
  it("another architecture, and no xsave", async () => {
    expect(await run(corpusCheckpoint("simple"), "cpu", cpuHost({ arch: "aarch64" }))).toMatchInlineSnapshot(`
      {
        "checked": 1,
        "findings": [
          {
            "criuError": "Core march mismatch 1",
            "entry": "mtype",
            "fix": "Restore on a machine of the checkpoint's architecture.",
            "image": "core-11146.img",
            "problem": "the checkpoint is of X86_64, this host is aarch64",
            "rule": "cpu",
            "severity": "blocks",
            "subject": "X86_64",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
    expect(
      await run(corpusCheckpoint("simple"), "cpu", cpuHost({ flags: new Set(["fpu", "fxsr"]) })),
    ).toMatchInlineSnapshot(`
      {
        "checked": 1,
        "findings": [
          {
            "criuError": "x86: FPU xsave area present, but host cpu doesn't support it",
            "entry": "thread_info.fpregs.xsave",
            "fix": "Restore on a CPU with xsave (and a kernel booted without noxsave), or restore with --cpu-cap=none to drop the extended state.",
            "image": "core-11146.img",
            "problem": "tasks were saved with an xsave area and this host's kernel does not enable xsave",
            "rule": "cpu",
            "severity": "blocks",
            "subject": "xsave",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
  });

  it("register state this CPU does not enable", async () => {
    const cp = corpusCheckpoint("simple");
    const core = [...cp.keys()].find((n) => n.startsWith("core-")) as string;
    editImage<"CORE">(cp, core, (img) => {
      const x = img.entries[0]?.threadInfo?.fpregs?.xsave;
      if (x) x.xstateBv = 0x2ffn;
    });
    expect(await run(cp, "cpu", cpuHost())).toMatchInlineSnapshot(`
      {
        "checked": 1,
        "findings": [
          {
            "criuError": "",
            "entry": "thread_info.fpregs.xsave.xstate_bv",
            "fix": "Restore on a CPU with these features.",
            "image": "core-11146.img",
            "problem": "tasks were saved using mpx, avx512f, ospke registers, which this CPU or kernel does not enable: the kernel refuses that state when the restorer returns to the task, and the task is killed",
            "rule": "cpu",
            "severity": "warns",
            "subject": "mpx avx512f ospke",
          },
        ],
        "note": undefined,
        "verdict": "warns",
      }
    `);
  });

  it("cpuinfo.img against this CPU: FPU and instruction features, xsave mask, sizes, and unknown sizes", async () => {
    const img = JSON.parse(readFileSync(join(critDir("cpuinfo"), "cpuinfo.img.json"), "utf8")).entries[0].x86_entry[0];
    const sizes = {
      xfeaturesMask: BigInt(img.xfeatures_mask),
      xsaveSize: img.xsave_size,
      xsaveSizeMax: img.xsave_size_max,
    };
    const cp = () => corpusCheckpoint("cpuinfo");
    expect(await run(cp(), "cpu", cpuHost({ ...sizes, flags: new Set(["xsave"]) }))).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "cpu: FPU feature required by image is not supported on host",
            "entry": "x86_entry",
            "fix": "Restore without --cpu-cap, or on a CPU with these features.",
            "image": "cpuinfo.img",
            "problem": "when the restore is given --cpu-cap (as the dump was): the dumped CPU had FPU features this one lacks: fpu, fxsr",
            "rule": "cpu",
            "severity": "warns",
            "subject": "fpu fxsr",
          },
          {
            "criuError": "cpu: CPU instruction capabilities do not match run time",
            "entry": "x86_entry",
            "fix": "Restore on a CPU with these instructions.",
            "image": "cpuinfo.img",
            "problem": "when the restore is given --cpu-cap (as the dump was): the dumped CPU had instructions this one lacks: fpu, tsc, cx8, sep, cmov, clflush, mmx, fxsr, sse, sse2, syscall, mmxext, rep_good, nopl, pni, pclmulqdq, ssse3, cx16, sse4_1, sse4_2, movbe, popcnt, aes, avx, f16c, rdrand, abm, sse4a, misalignsse, 3dnowprefetch, fsgsbase, bmi1, avx2, bmi2, erms, avx512f, avx512dq, adx, clflushopt, avx512cd, sha_ni, avx512bw, avx512vl, xsaveopt, xsavec, xgetbv1, avx512vbmi, avx512_vbmi2, gfni, vaes, vpclmulqdq, avx512_vnni, avx512_bitalg, avx512_vpopcntdq, clzero; programs that use them would fault",
            "rule": "cpu",
            "severity": "warns",
            "subject": "fpu tsc cx8 sep cmov clflush mmx fxsr sse sse2 syscall mmxext rep_good nopl pni pclmulqdq ssse3 cx16 sse4_1 sse4_2 movbe popcnt aes avx f16c rdrand abm sse4a misalignsse 3dnowprefetch fsgsbase bmi1 avx2 bmi2 erms avx512f avx512dq adx clflushopt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq clzero",
          },
        ],
        "note": undefined,
        "verdict": "warns",
      }
    `);
    // Every flag the dumped CPU's capability words name, so only what a case changes differs.
    const all = new Set([
      ...X86,
      ..."tsc cx8 sep cmov clflush mmx syscall mmxext rdtscp pni pclmulqdq monitor ssse3 cx16 sse4_1 sse4_2 movbe popcnt aes f16c rdrand abm sse4a misalignsse 3dnowprefetch fsgsbase bmi1 avx2 bmi2 erms rdseed adx clflushopt sha_ni xsaveopt xsavec xgetbv1 xsaves clzero rdpid rep_good nopl avx512f avx512dq avx512cd avx512bw avx512vl gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq avx512vbmi avx512_vbmi2".split(
        " ",
      ),
    ]);
    expect(await run(cp(), "cpu", cpuHost({ ...sizes, flags: all, xfeaturesMask: 3n }))).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "cpu: CPU xfeatures has unsupported bits (0xe4)",
            "entry": "x86_entry",
            "fix": "Restore without --cpu-cap, or on a CPU with these xsave features.",
            "image": "cpuinfo.img",
            "problem": "when the restore is given --cpu-cap (as the dump was): xsave features 0xe4 of the dumped CPU are not enabled here",
            "rule": "cpu",
            "severity": "warns",
            "subject": "xfeatures",
          },
        ],
        "note": undefined,
        "verdict": "warns",
      }
    `);
    expect(
      await run(cp(), "cpu", cpuHost({ ...sizes, flags: all, xsaveSizeMax: img.xsave_size_max + 64 })),
    ).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "cpu: CPU xsave max size mismatch (2432/2496)",
            "entry": "x86_entry",
            "fix": "Restore without --cpu-cap, or on the same CPU model.",
            "image": "cpuinfo.img",
            "problem": "when the restore is given --cpu-cap (as the dump was): xsave max size differs",
            "rule": "cpu",
            "severity": "warns",
            "subject": "xsave size",
          },
        ],
        "note": undefined,
        "verdict": "warns",
      }
    `);
    expect(await run(cp(), "cpu", cpuHost({ flags: all }))).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "",
            "entry": "x86_entry",
            "fix": "Run \`criu check --cpu-cap\` with the images on this host.",
            "image": "cpuinfo.img",
            "problem": "when the restore is given --cpu-cap (as the dump was): xfeatures 0xe5 and xsave size 2432 are compared with CPUID, which this host's facts lack",
            "rule": "cpu",
            "severity": "not-checked",
            "subject": "xsave",
          },
        ],
        "note": undefined,
        "verdict": "not-checked",
      }
    `);
  });

  it("tasks of two architectures: each named once, by the first core image of it", async () => {
    const cp = corpusCheckpoint("many-fds");
    const cores = [...cp.keys()].filter((n) => /^core-\d+\.img$/.test(n)).sort();
    for (const c of cores.slice(2))
      editImage<"CORE">(cp, c, (img) => {
        const e = img.entries[0];
        if (e) e.mtype = 3;
      });
    const onX86 = await run(cp, "cpu", cpuHost());
    expect(
      onX86.findings?.filter((f) => f.severity === "blocks").map((f) => [f.image, f.subject, f.criuError]),
    ).toEqual([[cores[2], "AARCH64", "Core march mismatch 3"]]);
    expect(onX86.checked).toBe(cores.length);
    // On an aarch64 host the x86 tasks block; their xsave areas are not an aarch64 host's business.
    const onArm = await run(cp, "cpu", cpuHost({ arch: "aarch64", flags: new Set(["fp", "asimd"]) }));
    expect(onArm.findings?.map((f) => [f.image, f.subject])).toEqual([[cores[0], "X86_64"]]);
  });

  it("cpuinfo.img with any one CPUID fact unknown is not checked", async () => {
    const img = JSON.parse(readFileSync(join(critDir("cpuinfo"), "cpuinfo.img.json"), "utf8")).entries[0].x86_entry[0];
    const sizes = {
      xfeaturesMask: BigInt(img.xfeatures_mask),
      xsaveSize: img.xsave_size,
      xsaveSizeMax: img.xsave_size_max,
    };
    const every = new Set(["fpu", "fxsr", "xsave", "xsaves"]);
    for (const missing of ["xfeaturesMask", "xsaveSize", "xsaveSizeMax"] as const) {
      const facts = { ...sizes, [missing]: undefined };
      const r = await run(corpusCheckpoint("cpuinfo"), "cpu", cpuHost({ ...facts, flags: every }));
      expect(
        r.findings?.filter((f) => f.subject === "xsave").map((f) => f.severity),
        missing,
      ).toEqual(["not-checked"]);
    }
    // On an aarch64 host, cpuinfo.img (x86 only) is not compared at all.
    const arm = await run(corpusCheckpoint("cpuinfo"), "cpu", cpuHost({ arch: "aarch64", flags: new Set() }));
    expect(arm.findings?.some((f) => f.image === "cpuinfo.img")).toBe(false);
  });

  it("a CPU the host cannot describe", async () => {
    const host: HostFacts = { ...fakeHost(), cpu: async () => notKnown("no /proc/cpuinfo") };
    expect(await run(corpusCheckpoint("simple"), "cpu", host)).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "",
            "entry": "",
            "fix": "Run preflight on the host that will restore, as root, where /proc can be read.",
            "image": "core-11146.img",
            "problem": "cannot read this host's CPU: no /proc/cpuinfo",
            "rule": "cpu",
            "severity": "not-checked",
            "subject": "cpu",
          },
        ],
        "note": undefined,
        "verdict": "not-checked",
      }
    `);
  });
});

describe("kernel", () => {
  const kernel = (release: string, namespaces: string[], userfaultfd?: boolean) =>
    fakeHost(new Map(), {
      kernel: fact({ release, namespaces: new Set(namespaces) }),
      ...(userfaultfd === undefined ? {} : { userfaultfd: fact(userfaultfd) }),
    });

  it("memfd on an old kernel, a namespace it lacks", async () => {
    expect(await run(corpusCheckpoint("many-fds"), "kernel", kernel("3.10.0", ["pid"]))).toMatchInlineSnapshot(`
      {
        "checked": 10,
        "findings": [
          {
            "criuError": "Can't fork for 11670: Invalid argument",
            "entry": "ipc_ns_id",
            "fix": "Restore on a kernel with ipc namespaces.",
            "image": "ids-11670.img",
            "problem": "the checkpoint has its own ipc namespace and this kernel has no ipc namespaces",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "ipc namespace",
          },
          {
            "criuError": "Can't fork for 11670: Invalid argument",
            "entry": "uts_ns_id",
            "fix": "Restore on a kernel with uts namespaces.",
            "image": "ids-11670.img",
            "problem": "the checkpoint has its own uts namespace and this kernel has no uts namespaces",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "uts namespace",
          },
          {
            "criuError": "Can't create memfd:/dev/zero: Function not implemented",
            "entry": "file id 0x2",
            "fix": "Restore on Linux 3.17 or later.",
            "image": "files.img",
            "problem": "memfd files need memfd_create (Linux 3.17), this kernel is 3.10.0",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "MEMFD",
          },
          {
            "criuError": "pidfd: Could not open pidfd for 11672: Function not implemented",
            "entry": "file id 0xa",
            "fix": "Restore on Linux 5.3 or later.",
            "image": "files.img",
            "problem": "pidfd files need pidfd_open (Linux 5.3), this kernel is 3.10.0",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "PIDFD",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
    const cp = await openCheckpoint(join(critDir("simple"), "../../archives/podman-web.tar"));
    expect(await run(cp, "kernel", kernel("6.1.0", ["pid", "net", "mnt"]))).toMatchInlineSnapshot(`
      {
        "checked": 8,
        "findings": [
          {
            "criuError": "Can't fork for 1: Invalid argument",
            "entry": "ipc_ns_id",
            "fix": "Restore on a kernel with ipc namespaces.",
            "image": "ids-1.img",
            "problem": "the checkpoint has its own ipc namespace and this kernel has no ipc namespaces",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "ipc namespace",
          },
          {
            "criuError": "Can't fork for 1: Invalid argument",
            "entry": "uts_ns_id",
            "fix": "Restore on a kernel with uts namespaces.",
            "image": "ids-1.img",
            "problem": "the checkpoint has its own uts namespace and this kernel has no uts namespaces",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "uts namespace",
          },
          {
            "criuError": "Unable to create a new time namespace: Invalid argument",
            "entry": "time_ns_id",
            "fix": "Restore on a kernel with time namespaces (Linux 5.6 or later).",
            "image": "ids-1.img",
            "problem": "the checkpoint has its own time namespace and this kernel has no time namespaces",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "time namespace",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
  });

  it("a lazy-pages dump on a host without userfaultfd, and a kernel the host cannot name", async () => {
    const cp = corpusCheckpoint("memory");
    const pagemap = [...cp.keys()].find((n) => /^pagemap-\d+\.img$/.test(n)) as string;
    editImage<"PAGEMAP">(cp, pagemap, (img) => {
      for (const e of img.entries.slice(1)) if ("flags" in e && e.flags === 6) e.flags = 2;
    });
    expect(await run(cp, "kernel", kernel("6.1.0", [], false))).toMatchInlineSnapshot(`
      {
        "checked": 9,
        "findings": [
          {
            "criuError": "",
            "entry": "PE_LAZY without PE_PRESENT",
            "fix": "Run criu lazy-pages --page-server on the source and restore with --lazy-pages (userfaultfd needed here).",
            "image": "pagemap-29313.img",
            "option": "--lazy-pages",
            "problem": "the dump was made with --lazy-pages: pages are not in the images but on the source's page server",
            "rule": "kernel",
            "severity": "needs",
            "subject": "lazy pages",
          },
          {
            "criuError": "uffd: Unable to open an userfaultfd descriptor: Function not implemented",
            "entry": "PE_LAZY without PE_PRESENT",
            "fix": "Restore on a kernel built with userfaultfd (CONFIG_USERFAULTFD), or dump again without --lazy-pages.",
            "image": "pagemap-29313.img",
            "problem": "this kernel has no userfaultfd, which --lazy-pages needs",
            "rule": "kernel",
            "severity": "blocks",
            "subject": "lazy pages",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
    const host: HostFacts = { ...fakeHost(), kernel: async () => notKnown("no uname") };
    expect(await run(cp, "kernel", host)).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "",
            "entry": "",
            "fix": "Run preflight on the host that will restore, as root, where /proc can be read.",
            "image": "inventory.img",
            "problem": "cannot read this host's kernel: no uname",
            "rule": "kernel",
            "severity": "not-checked",
            "subject": "kernel",
          },
        ],
        "note": undefined,
        "verdict": "not-checked",
      }
    `);
  });
});

describe("external", () => {
  it("a Podman export's mounts and network namespace", async () => {
    const cp = await openCheckpoint(join(critDir("simple"), "../../archives/podman-web.tar"));
    const r = await run(cp, "external", fakeHost());
    expect(r.findings?.slice(0, 2)).toMatchInlineSnapshot(`
      [
        {
          "criuError": "mnt: No mapping for 186:/sys/fs/cgroup/systemd mountpoint",
          "entry": "mount 186",
          "fix": "Restore with --external mnt[/sys/fs/cgroup/systemd]:<host path> (engines do this for their bind mounts).",
          "image": "mountpoints-14.img",
          "option": "--external mnt[/sys/fs/cgroup/systemd]:<host path>",
          "problem": "an external mount, key /sys/fs/cgroup/systemd: the restore must say what to mount there",
          "rule": "external",
          "severity": "needs",
          "subject": "/sys/fs/cgroup/systemd",
        },
        {
          "criuError": "mnt: No mapping for 184:/sys/fs/cgroup/pids mountpoint",
          "entry": "mount 184",
          "fix": "Restore with --external mnt[/sys/fs/cgroup/pids]:<host path> (engines do this for their bind mounts).",
          "image": "mountpoints-14.img",
          "option": "--external mnt[/sys/fs/cgroup/pids]:<host path>",
          "problem": "an external mount, key /sys/fs/cgroup/pids: the restore must say what to mount there",
          "rule": "external",
          "severity": "needs",
          "subject": "/sys/fs/cgroup/pids",
        },
      ]
    `);
    // Checked: every mount, the network namespace, every unix socket and terminal (none here but the mounts).
    const mounts = cp.names().filter((n) => n.startsWith("mountpoints-"));
    const entries = mounts.reduce((n, m) => n + (cp.kind(m, "MNTS")?.entries.length ?? 0), 0);
    expect(r.checked).toBe(entries + cp.names().filter((n) => /^netns-\d+\.img$/.test(n)).length);
    expect(r.findings?.filter((f) => !f.subject.startsWith("/"))).toMatchInlineSnapshot(`
      [
        {
          "criuError": "net: Unable to find an external netns: extRootNetNS",
          "entry": "ext_key",
          "fix": "Open the target network namespace and pass it: --inherit-fd fd[<fd>]:extRootNetNS.",
          "image": "netns-10.img",
          "option": "--inherit-fd fd[<fd>]:extRootNetNS",
          "problem": "the network namespace is external, key extRootNetNS: the restore must be given one",
          "rule": "external",
          "severity": "needs",
          "subject": "network namespace",
        },
      ]
    `);
  });

  it("a terminal without its master and an external unix peer", async () => {
    const cp = corpusCheckpoint("many-fds");
    editImage<"TTY_INFO">(cp, "tty-info.img", (img) => {
      img.entries = img.entries.filter((t) => t.rdev !== 0x502);
    });
    expect(await run(cp, "external", fakeHost())).toMatchInlineSnapshot(`
      {
        "checked": 3,
        "findings": [
          {
            "criuError": "tty: Found slave peer index 0 without correspond master peer",
            "entry": "tty id 0x0",
            "fix": "Restore with --shell-job (-j) from a terminal.",
            "image": "tty-info.img",
            "option": "--shell-job",
            "problem": "a terminal whose master side is outside the checkpoint (a shell job)",
            "rule": "external",
            "severity": "needs",
            "subject": "/dev/pts/0",
          },
        ],
        "note": undefined,
        "verdict": "ok",
      }
    `);
    const sockets = corpusCheckpoint("mixed-sockets");
    editImage<"FILES">(sockets, "files.img", (img) => {
      const u = img.entries.find((f) => f.usk?.id === 33);
      if (u?.usk) u.usk.uflags = 1;
    });
    expect(await run(sockets, "external", fakeHost())).toMatchInlineSnapshot(`
      {
        "checked": 14,
        "findings": [
          {
            "criuError": "unix: External socket found in image. Consider using the --ext-unix-sk option to allow restoring it.",
            "entry": "socket id 0x21",
            "fix": "Restore with --ext-unix-sk; the peer's name must be bound on this host.",
            "image": "files.img",
            "option": "--ext-unix-sk",
            "problem": "a unix socket is connected to a peer outside the checkpoint",
            "rule": "external",
            "severity": "needs",
            "subject": "unix socket peer",
          },
        ],
        "note": undefined,
        "verdict": "ok",
      }
    `);
  });
});

describe("inet in a network namespace of its own", () => {
  it("restored by CRIU from the images: a note, no address checked; external: the addresses the engine must set", async () => {
    const own = await run(corpusCheckpoint("netns"), "inet", fakeHost());
    expect([own.verdict, own.note, own.findings?.filter((f) => f.severity !== "needs")]).toEqual([
      "ok",
      "the checkpoint has its own network namespace: CRIU restores its devices and addresses from the images",
      [],
    ]);
    const cp = corpusCheckpoint("netns");
    editImage<"NETNS">(cp, "netns-9.img", (img) => {
      const e = img.entries[0];
      if (e) e.extKey = "extRootNetNS";
    });
    // The listener and the connected socket on 10.99.0.1 (its bytes as CRIU's word), not loopback.
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.isk && (f.isk.id === 10 || f.isk.id === 11)) f.isk.srcAddr = [0x0100630a];
    });
    // A second address is a finding of its own.
    const two = new Map(cp);
    editImage<"FILES">(two, "files.img", (img) => {
      for (const f of img.entries) if (f.isk?.id === 14) f.isk.srcAddr = [0x0200630a];
    });
    const both = await run(two, "inet", fakeHost());
    expect(both.findings?.filter((f) => f.problem.includes("external")).map((f) => [f.subject, f.entry])).toEqual([
      ["10.99.0.1", "sockets id 10, 11"],
      ["10.99.0.2", "socket id 14"],
    ]);
    const ext = await run(cp, "inet", fakeHost());
    expect(ext.note).toBeUndefined();
    expect(ext.findings?.filter((f) => f.subject !== "connected TCP sockets")).toMatchInlineSnapshot(`
      [
        {
          "criuError": "inet: Can't bind inet socket (id 10): Cannot assign requested address",
          "entry": "sockets id 10, 11",
          "fix": "Give the container 10.99.0.1 again (same network, static IP), or rewrite the address first (criu-image tcp rewrite / move).",
          "image": "files.img",
          "problem": "the network namespace is external (extRootNetNS): the engine must configure this address in the namespace it gives the restore",
          "rule": "inet",
          "severity": "needs",
          "subject": "10.99.0.1",
        },
      ]
    `);
  });
});

describe("unix sockets on mounts the host does not provide", () => {
  it("are counted in a note, not looked up", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    addWorkTmpfs(cp);
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.usk && (f.usk.id === 0x1a || f.usk.id === 0x1f)) f.usk.mntId = 5;
    });
    const r = await run(cp, "unix", fakeHost());
    expect([r.verdict, r.checked, r.findings, r.note]).toEqual([
      "ok",
      0,
      [],
      "2 sockets on /srv/ckpt/work (tmpfs): CRIU restores this tmpfs from its tmpfs-dev image",
    ]);
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.usk?.id === 0x1f) f.usk.mntId = 1;
    });
    const one = await run(cp, "unix", fakeHost());
    expect([one.checked, one.note]).toEqual([
      1,
      "1 socket on /srv/ckpt/work (tmpfs): CRIU restores this tmpfs from its tmpfs-dev image",
    ]);
  });
});

describe("kernel facts in part", () => {
  it("a release with no version in it, and userfaultfd unknown", async () => {
    const k = fakeHost(new Map(), {
      kernel: fact({
        release: "custom-kernel",
        namespaces: new Set(["pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"]),
      }),
    });
    expect((await run(corpusCheckpoint("many-fds"), "kernel", k)).findings).toMatchInlineSnapshot(`
      [
        {
          "criuError": "",
          "entry": "file id 0x2",
          "fix": "Check that kernel custom-kernel is at least 3.17 (it needs memfd_create).",
          "image": "files.img",
          "problem": "cannot read the version of kernel custom-kernel",
          "rule": "kernel",
          "severity": "not-checked",
          "subject": "MEMFD",
        },
        {
          "criuError": "",
          "entry": "file id 0xa",
          "fix": "Check that kernel custom-kernel is at least 5.3 (it needs pidfd_open).",
          "image": "files.img",
          "problem": "cannot read the version of kernel custom-kernel",
          "rule": "kernel",
          "severity": "not-checked",
          "subject": "PIDFD",
        },
      ]
    `);
    const cp = corpusCheckpoint("memory");
    const pagemap = [...cp.keys()].find((n) => /^pagemap-\d+\.img$/.test(n)) as string;
    editImage<"PAGEMAP">(cp, pagemap, (img) => {
      for (const e of img.entries.slice(1)) if ("flags" in e && e.flags === 6) e.flags = 2;
    });
    const uffd = fakeHost(new Map(), { kernel: fact({ release: "6.1.0", namespaces: new Set<string>() }) });
    expect((await run(cp, "kernel", uffd)).findings?.map((f) => [f.severity, f.problem, f.fix])).toMatchInlineSnapshot(`
      [
        [
          "needs",
          "the dump was made with --lazy-pages: pages are not in the images but on the source's page server",
          "Run criu lazy-pages --page-server on the source and restore with --lazy-pages (userfaultfd needed here).",
        ],
        [
          "not-checked",
          "whether userfaultfd works here: not given to this fake host",
          "Check for /proc/sys/vm/unprivileged_userfaultfd or /dev/userfaultfd on the host that will restore.",
        ],
      ]
    `);
  });
});

describe("pids", () => {
  it("above pid_max, and a host that cannot list its pids", async () => {
    const host = fakeHost(new Map(), { pids: fact({ inUse: new Set<number>(), pidMax: 1000 }) });
    expect(await run(corpusCheckpoint("simple"), "pids", host)).toMatchInlineSnapshot(`
      {
        "checked": 1,
        "findings": [
          {
            "criuError": "Can't fork for 11146: Invalid argument",
            "entry": "pid 11146",
            "fix": "Raise kernel.pid_max above 11146 (sysctl -w kernel.pid_max=4194304).",
            "image": "pstree.img",
            "problem": "pid 11146 is not below this host's pid_max (1000)",
            "rule": "pids",
            "severity": "blocks",
            "subject": "11146",
          },
        ],
        "note": undefined,
        "verdict": "blocks",
      }
    `);
    const blind: HostFacts = { ...fakeHost(), pids: async () => notKnown("no /proc") };
    expect(await run(corpusCheckpoint("simple"), "pids", blind)).toMatchInlineSnapshot(`
      {
        "checked": 0,
        "findings": [
          {
            "criuError": "",
            "entry": "1 pids and tids",
            "fix": "Run preflight on the host that will restore, as root, where /proc can be read.",
            "image": "pstree.img",
            "problem": "cannot list this host's pids: no /proc",
            "rule": "pids",
            "severity": "not-checked",
            "subject": "pids",
          },
        ],
        "note": undefined,
        "verdict": "not-checked",
      }
    `);
  });
});

describe("inet", () => {
  it("a UDP port in use, IPv6, and unknown host sockets", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    // crit's view of the bound UDP socket's port.
    const j = JSON.parse(readFileSync(join(critDir("mixed-sockets"), "files.img.json"), "utf8"));
    const udp = j.entries.find(
      (e: { isk?: { proto: number; src_port: number } }) => e.isk?.proto === 17 && e.isk.src_port > 0,
    ).isk.src_port as number;
    const taken = fakeHost(new Map(), {
      addresses: fact(new Set(["127.0.0.1", "::1"])),
      nonlocalBind: fact({ v4: false, v6: false }),
      sockets: fact([{ proto: "udp" as const, address: "0.0.0.0", port: udp, listening: false }]),
    });
    expect((await run(cp, "inet", taken)).findings?.filter((f) => f.severity === "warns")).toMatchInlineSnapshot(`
      [
        {
          "criuError": "inet: Can't bind inet socket (id 11): Address already in use",
          "entry": "socket id 11",
          "fix": "Stop what holds udp port 45033 (ss -lnp 'sport = :45033'), or restore in a network namespace of its own.",
          "image": "files.img",
          "problem": "a udp socket of this host is bound to 0.0.0.0:45033; the bind fails unless it set SO_REUSEADDR",
          "rule": "inet",
          "severity": "warns",
          "subject": "udp 127.0.0.1:45033",
        },
      ]
    `);
    const blind: HostFacts = { ...taken, sockets: async () => notKnown("no /proc/net") };
    expect(
      (await run(corpusCheckpoint("mixed-sockets"), "inet", blind)).findings?.filter(
        (f) => f.severity === "not-checked",
      ),
    ).toMatchInlineSnapshot(`
      [
        {
          "criuError": "",
          "entry": "sockets id 6, 7",
          "fix": "Run preflight on the host that will restore, as root, where /proc can be read.",
          "image": "files.img",
          "problem": "cannot list this host's sockets: no /proc/net",
          "rule": "inet",
          "severity": "not-checked",
          "subject": "tcp ports",
        },
        {
          "criuError": "",
          "entry": "sockets id 11, 12, 13, 15, 36",
          "fix": "Run preflight on the host that will restore, as root, where /proc can be read.",
          "image": "files.img",
          "problem": "cannot list this host's sockets: no /proc/net",
          "rule": "inet",
          "severity": "not-checked",
          "subject": "udp ports",
        },
      ]
    `);
  });
});
