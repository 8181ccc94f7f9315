/**
 * Preflight on checkpoints whose entries lack what CRIU always writes (a
 * file entry of a type without its message, an empty core or netns image,
 * a terminal without its pty): every rule still runs and reads what is
 * there, and the odd entries change nothing they cannot name.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  fd_types,
  file_entrySchema,
  TtyType,
  tty_info_entrySchema,
  tty_pty_entrySchema,
  vma_entrySchema,
} from "../../src/gen/index.js";
import { VMA_STATUS } from "../../src/index.js";
import { type HostFacts, NS_KINDS, preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage, entryImage } from "../helpers/checkpoints.js";
import { type FakeFile, fact, fakeHost } from "../helpers/fake-host.js";

type Cp = Map<string, Uint8Array>;

const x86 = fact({
  arch: "x86_64",
  flags: new Set("fpu fxsr xsave avx sse sse2 avx512f ospke".split(" ")),
  xsaveSize: 4096,
});
const oldKernel = fact({ release: "3.10.0", namespaces: new Set(NS_KINDS) });
const host = (files = new Map<string, FakeFile>()): HostFacts =>
  fakeHost(files, {
    cpu: x86 as HostFacts["cpu"],
    kernel: oldKernel,
    addresses: fact(new Set(["127.0.0.1", "::1"])),
    nonlocalBind: fact({ v4: false, v6: false }),
    sockets: fact([]),
  });

/** The report of each rule but the kernel's, with what it checked. */
async function byRule(cp: Cp, h: HostFacts) {
  const r = await preflight(cp, h);
  return Object.fromEntries(r.rules.map((x) => [x.rule, [x.verdict, x.checked, x.findings, x.note]]));
}

describe("entries without their message", () => {
  it("a file entry of each kind the rules read, but empty, is stepped over (and named where it is the first)", async () => {
    const clean = corpusCheckpoint("many-fds");
    const cp = new Map(clean);
    editImage<"FILES">(cp, "files.img", (img) => {
      // First in the image, so that the kernel rule takes them as the first pidfd and memfd.
      const bare = [fd_types.REG, fd_types.TTY, fd_types.UNIXSK, fd_types.PIDFD, fd_types.MEMFD].map((type, i) =>
        create(file_entrySchema, { type, id: 0x7000 + i }),
      );
      img.entries.unshift(...bare);
    });
    const before = await byRule(clean, host());
    const after = await byRule(cp, host());
    for (const rule of ["files", "mappings", "unix", "external", "inet", "pids", "cpu"]) {
      expect(after[rule], rule).toEqual(before[rule]);
    }
    // The kernel rule names the first file of a kind; an empty one has no pid or memfd name to give.
    const kernel = (await preflight(cp, host(), { rules: ["kernel"] })).rules[0]?.findings ?? [];
    expect(kernel.map((f) => [f.subject, f.entry, f.criuError])).toEqual([
      ["MEMFD", "file id 0x7004", "Can't create memfd:: Function not implemented"],
      ["PIDFD", "file id 0x7003", "pidfd: Could not open pidfd for ?: Function not implemented"],
    ]);
  });

  it("an empty core image and no ids image: the namespaces are unknown, the cpu rule reads the other cores", async () => {
    const clean = corpusCheckpoint("memory");
    const cp = new Map(clean);
    const [root, other] = [...cp.keys()].filter((n) => /^core-\d+\.img$/.test(n)).sort();
    if (!root || !other) throw new Error("memory has two tasks");
    cp.set(root, entryImage("CORE"));
    cp.delete(root.replace("core", "ids"));
    const cpu = (await preflight(cp, host(), { rules: ["cpu"] })).rules[0];
    expect([cpu?.verdict, cpu?.findings]).toEqual(["ok", []]);
    // A core of another architecture among them is still found.
    editImage<"CORE">(cp, other, (img) => {
      const c = img.entries[0];
      if (c) c.mtype = 3; // AARCH64
    });
    const moved = (await preflight(cp, host(), { rules: ["cpu"] })).rules[0];
    expect(moved?.findings.map((f) => [f.image, f.criuError])).toEqual([[other, "Core march mismatch 3"]]);
  });

  it("an empty netns image is a namespace CRIU restores itself, not an external one", async () => {
    const cp = corpusCheckpoint("netns");
    const netns = [...cp.keys()].find((n) => /^netns-\d+\.img$/.test(n)) as string;
    const before = await byRule(cp, host());
    cp.set(netns, entryImage("NETNS"));
    const after = await byRule(cp, host());
    expect(after.external?.[2]).toEqual([]);
    // The inet rule reads the namespace as the checkpoint's own, as before.
    expect(after.inet).toEqual(before.inet);
    expect(after.inet?.[3]).toContain("its own network namespace");
  });

  it("a pty without its pty message, and a console with one, are no external terminal", async () => {
    const cp = corpusCheckpoint("many-fds");
    // A slave's device number (major 136): counted as a slave without its master, it would need --inherit-fd.
    const tty = { rdev: (136 << 8) | 9, locked: false, exclusive: false, packetMode: false, sid: 0, pgrp: 0 };
    editImage<"TTY_INFO">(cp, "tty-info.img", (img) => {
      img.entries.push(
        create(tty_info_entrySchema, { ...tty, id: 0x7100, type: TtyType.PTY }),
        create(tty_info_entrySchema, {
          ...tty,
          id: 0x7101,
          type: TtyType.CONSOLE,
          pty: create(tty_pty_entrySchema, { index: 9 }),
        }),
      );
    });
    const before = await byRule(corpusCheckpoint("many-fds"), host());
    // Both are counted as looked at; neither is a finding.
    expect((await byRule(cp, host())).external?.[2]).toEqual(before.external?.[2]);
    expect(before.external?.[2]).toEqual([]);
  });
});

describe("the files rule's inputs", () => {
  const users = async (cp: Cp) => {
    const files = new Map<string, FakeFile>();
    const r = await preflight(cp, fakeHost(files), { rules: ["files", "mappings"] });
    return r.rules.map((x) => [x.rule, x.findings.map((f) => f.subject)]);
  };

  it("shared memory whose id equals a file's id does not make that file mapped", async () => {
    const clean = corpusCheckpoint("memory");
    const out = "/srv/ckpt/work/memory/out.log";
    const cp = new Map(clean);
    let outId = -1;
    editImage<"FILES">(cp, "files.img", (img) => {
      outId = img.entries.find((f) => f.reg?.name === out)?.id ?? -1;
    });
    expect(outId).toBeGreaterThan(0);
    const mm = [...cp.keys()].filter((n) => /^mm-\d+\.img$/.test(n)).sort()[0] as string;
    editImage<"MM">(cp, mm, (img) => {
      const m = img.entries[0];
      if (!m) return;
      const shared = (status: number, start: bigint) =>
        create(vma_entrySchema, {
          start,
          end: start + 4096n,
          pgoff: 0n,
          shmid: BigInt(outId),
          prot: 3,
          flags: 1,
          status,
          fd: -1n,
        });
      // Anonymous shared memory and a memfd: their shmid is a shmem or memfd inode id, not a file's.
      m.vmas.push(shared(VMA_STATUS.REGULAR | VMA_STATUS.ANON_SHARED, 0x7e0000000000n));
      m.vmas.push(shared(VMA_STATUS.REGULAR | VMA_STATUS.MEMFD | VMA_STATUS.FILE_SHARED, 0x7e0000010000n));
    });
    const a = await users(clean);
    expect(a.find(([rule]) => rule === "files")?.[1]).toContain(out);
    expect(await users(cp)).toEqual(a);
  });

  it("build-ids are compared only for entries with a size and a build-id, as CRIU's validate_with_build_id", async () => {
    const cp = corpusCheckpoint("memory");
    const libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    let size = 0;
    let mode = 0;
    editImage<"FILES">(cp, "files.img", (img) => {
      const reg = img.entries.find((f) => f.reg?.name === libc)?.reg;
      if (!reg) throw new Error("memory maps libc");
      size = Number(reg.size);
      mode = reg.mode ?? 0;
    });
    const { elfWithNote } = await import("../helpers/elf.js");
    // Another build of libc, of the same size.
    const other = elfWithNote(new Uint8Array(20).fill(9), { size: 4096 });
    const onlyLibc = async (edit: (r: { size?: bigint; buildId: number[] }) => void) => {
      const c = new Map(cp);
      editImage<"FILES">(c, "files.img", (img) => {
        const reg = img.entries.find((f) => f.reg?.name === libc)?.reg;
        if (reg) edit(reg as never);
      });
      const files = new Map<string, FakeFile>([[libc, { mode, size, bytes: other }]]);
      const r = await preflight(c, fakeHost(files), { rules: ["mappings"] });
      return (r.rules[0]?.findings ?? []).filter((f) => f.subject === libc).map((f) => f.criuError);
    };
    expect(await onlyLibc(() => {})).toEqual(["File usr/lib/x86_64-linux-gnu/libc.so.6 has bad build-ID"]);
    // No size saved: CRIU validates nothing (not even the build-id it has).
    expect(
      await onlyLibc((r) => {
        delete r.size;
      }),
    ).toEqual([]);
    // No build-id saved: the size is all CRIU checks, whatever build-id the file has now.
    expect(
      await onlyLibc((r) => {
        r.buildId = [];
      }),
    ).toEqual([]);
  });
});
