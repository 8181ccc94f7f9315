/**
 * The shared notes byte by byte from core entries built here, at the
 * offsets of the kernel's structures (include/uapi/linux/elfcore.h on
 * x86_64: elf_prstatus with pr_sigpend at 16, pr_sighold at 24, the ids from 32,
 * elf_prpsinfo of 136 bytes, NT_FILE's count, page size and page offsets).
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CORE_ARCHES } from "../../src/coredump/index.js";
import { auxv, fileNote, prpsinfo, prstatus } from "../../src/coredump/notes.js";
import {
  core_entry_march,
  core_entrySchema,
  creds_entrySchema,
  mm_entrySchema,
  pstree_entrySchema,
  siginfo_entrySchema,
  signal_queue_entrySchema,
  task_core_entrySchema,
  thread_core_entrySchema,
} from "../../src/gen/index.js";

const x86 = CORE_ARCHES[core_entry_march.X86_64];
const task = create(pstree_entrySchema, { pid: 100, ppid: 1, pgid: 100, sid: 1 });
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const signal = (bytes: number[]) => create(siginfo_entrySchema, { siginfo: new Uint8Array(bytes) });
const signo = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];

describe("NT_PRSTATUS", () => {
  it("pending signals: the bit of each queued signal 1 to 64; others and short siginfo left out", () => {
    if (!x86) throw new Error("x86");
    const core = create(core_entrySchema, {
      tc: create(task_core_entrySchema, { blkSigset: 0x4000n }),
      threadCore: create(thread_core_entrySchema, {
        signalsP: create(signal_queue_entrySchema, {
          signals: [
            signal(signo(1)),
            signal(signo(64)),
            signal(signo(0)),
            signal(signo(65)),
            signal(signo(-3)),
            signal([10, 0, 0]),
            signal([2, 0, 0, 0]),
          ],
        }),
      }),
    });
    const d = view(prstatus(x86, task, 101, core).desc);
    expect(d.getBigUint64(16, true)).toBe((1n << 63n) | 2n | 1n);
    expect(d.getBigUint64(24, true)).toBe(0x4000n);
    expect([d.getInt32(32, true), d.getInt32(36, true), d.getInt32(40, true), d.getInt32(44, true)]).toEqual([
      101, 1, 100, 1,
    ]);
    const none = view(prstatus(x86, task, 100, create(core_entrySchema)).desc);
    expect([none.getBigUint64(16, true), none.getBigUint64(24, true)]).toEqual([0n, 0n]);
  });
});

describe("NT_PRPSINFO", () => {
  it("nice, flags, credentials, ids, comm cut at 15, psargs with NULs as spaces and trailing spaces dropped", () => {
    const core = create(core_entrySchema, {
      tc: create(task_core_entrySchema, { flags: 0x400040, comm: "a-rather-long-name" }),
      threadCore: create(thread_core_entrySchema, {
        schedNice: 5,
        creds: create(creds_entrySchema, { uid: 1000, gid: 100 }),
      }),
    });
    const args = new TextEncoder().encode("prog\0-x\0 y \0\0");
    const d = prpsinfo(task, core, args).desc;
    const v = view(d);
    expect(d.length).toBe(136);
    expect([d[0], String.fromCharCode(d[1] as number), d[2], d[3]]).toEqual([4, "T", 0, 5]);
    expect(v.getBigUint64(8, true)).toBe(0x400040n);
    expect([v.getUint32(16, true), v.getUint32(20, true)]).toEqual([1000, 100]);
    expect([v.getInt32(24, true), v.getInt32(28, true), v.getInt32(32, true), v.getInt32(36, true)]).toEqual([
      100, 1, 100, 1,
    ]);
    const str = (a: number, n: number) => new TextDecoder().decode(d.subarray(a, a + n)).replace(/\0+$/, "");
    expect(str(40, 16)).toBe("a-rather-long-n");
    expect(d[55]).toBe(0);
    expect(str(56, 80)).toBe("prog -x  y");
    // 79 bytes at most: the last of the 80 stays NUL.
    const long = prpsinfo(task, core, new Uint8Array(200).fill(0x41)).desc;
    expect(long.subarray(56, 135).every((b) => b === 0x41)).toBe(true);
    expect(long[135]).toBe(0);
    const bare = view(prpsinfo(task, create(core_entrySchema), new Uint8Array(0)).desc);
    expect([bare.getUint8(3), bare.getBigUint64(8, true), bare.getUint32(16, true), bare.getUint8(40)]).toEqual([
      0,
      0n,
      0,
      0,
    ]);
  });
});

describe("NT_AUXV and NT_FILE", () => {
  it("auxv: pairs up to AT_NULL, which is always written; an odd last word is dropped", () => {
    const words = (w: bigint[]) => {
      const d = auxv(create(mm_entrySchema, { mmSavedAuxv: w })).desc;
      return Array.from({ length: d.length / 8 }, (_, i) => view(d).getBigUint64(i * 8, true));
    };
    expect(words([6n, 4096n, 25n, 0x7ffen, 0n, 0n, 9n, 9n])).toEqual([6n, 4096n, 25n, 0x7ffen, 0n, 0n]);
    expect(words([6n, 4096n, 25n])).toEqual([6n, 4096n, 0n, 0n]);
    expect(words([])).toEqual([0n, 0n]);
  });

  it("NT_FILE: count, page size, each mapping's start, end and offset in pages, then the paths", () => {
    const d = fileNote(
      [
        { start: 0x400000n, end: 0x401000n, offset: 0n, path: "/bin/a" },
        { start: 0x7f0000000000n, end: 0x7f0000004000n, offset: 0x6000n, path: "/lib/b.so" },
      ],
      4096,
    ).desc;
    const v = view(d);
    const w = (i: number) => v.getBigUint64(i * 8, true);
    expect([w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7)]).toEqual([
      2n,
      4096n,
      0x400000n,
      0x401000n,
      0n,
      0x7f0000000000n,
      0x7f0000004000n,
      6n,
    ]);
    expect(new TextDecoder().decode(d.subarray(64))).toBe("/bin/a\0/lib/b.so\0");
  });
});
