/** `mem`: process memory of a checkpoint: sizes, VMA tables, hexdumps, search and strings. Formatting only. */

import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { displayText } from "../image/display.js";
import type { VmaKind } from "../memory/map.js";
import { type MemoryRange, pageSizeOf, readMemory, vmasOf } from "../memory/read.js";
import { memoryStrings, type PatternEncoding, searchMemory } from "../memory/search.js";
import { memorySummary } from "../memory/summary.js";
import { writeFileAtomic } from "../node/atomic.js";
import { open, openForMemory } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";

import { NothingMatched, UsageError } from "./usage.js";

const hex = (n: bigint | number) => n.toString(16);
const KINDS: VmaKind[] = [
  "stack",
  "heap",
  "vdso",
  "vvar",
  "vsyscall",
  "file",
  "file-shared",
  "shared",
  "memfd",
  "sysvipc",
  "socket",
  "aio",
  "anon",
];

function pidOf(v: string | undefined, cmd: string): number {
  if (v === undefined || !/^\d+$/.test(v)) throw new UsageError(`${cmd}: give --pid P (a process id)`, cmd);
  return Number(v);
}

function addrOf(v: string | undefined, cmd: string): bigint {
  if (v === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(v))
    throw new UsageError(`${cmd}: --addr must be an address (0x… or decimal)`, cmd);
  return BigInt(v);
}

function taskCheck(cp: Checkpoint, pid: number): void {
  if (!cp.tasks().some((t) => t.pid === pid) && !cp.has(`pagemap-${pid}.img`)) {
    throw new NothingMatched(
      `no task ${pid} in ${cp.label} (tasks: ${
        cp
          .tasks()
          .map((t) => t.pid)
          .join(", ") || "none"
      })`,
    );
  }
}

/** `mem PATH [--pid P]`: sizes per process, or one process's VMA table. */
export async function mem(a: { path: string; pid?: string; json?: boolean }): Promise<void> {
  const cp = await open(a.path);
  if (a.pid === undefined) {
    const summary = memorySummary(cp);
    if (a.json) return writeJson(summary);
    const rows = summary.processes;
    const lines = [
      `page size ${summary.pageSize}`,
      "PID      COMM             VMAS   DUMPED   PARENT     LAZY   SHARED  NOT-DUMPED",
    ];
    const kib = (n: number) => `${(n / 1024).toFixed(0)}K`;
    for (const r of rows) {
      lines.push(
        `${String(r.pid).padEnd(8)} ${r.comm.padEnd(16)} ${String(r.vmas).padStart(4)} ${kib(r.dumped).padStart(8)} ${kib(r.parent).padStart(8)} ${kib(r.lazy).padStart(8)} ${kib(r.shared).padStart(8)} ${kib(r.notDumped).padStart(11)}`,
      );
    }
    return writeStdout(`${lines.map(displayText).join("\n")}\n`);
  }
  const pid = pidOf(a.pid, "mem");
  taskCheck(cp, pid);
  const vmas = vmasOf(cp, pid, pageSizeOf(cp));
  if (a.json) {
    return writeStdout(
      `${JSON.stringify(
        vmas.map((v) => ({
          ...v,
          start: `0x${hex(v.start)}`,
          end: `0x${hex(v.end)}`,
          pgoff: String(v.pgoff),
          shmid: String(v.shmid),
          delta: String(v.delta),
        })),
        null,
        2,
      )}\n`,
    );
  }
  const lines = [
    "START            END              PROT KIND         PRESENT PARENT  LAZY NOT-DUMPED  PAGES FROM / FILE",
  ];
  for (const v of vmas) {
    const p = v.pages;
    const file = v.path ? `  ${v.path}${v.pgoff ? ` + 0x${hex(v.pgoff)}` : ""}` : "";
    lines.push(
      `${hex(v.start).padStart(16, "0")} ${hex(v.end).padStart(16, "0")} ${v.prot}  ${v.kind.padEnd(11)} ${String(p.present).padStart(7)} ${String(p.parent).padStart(6)} ${String(p.lazy).padStart(5)} ${String(p.notDumped).padStart(10)}  ${v.pagemap}${file}`,
    );
  }
  await writeStdout(`${lines.map(displayText).join("\n")}\n`);
}

/**
 * hexdump -C, with unknown bytes shown as "??" (and "?" in the text
 * column). A row is collapsed into "*" only when its 16 bytes, known or
 * not, equal the row above: never because the text columns look alike.
 */
export function hexdump(address: bigint, bytes: Uint8Array, unknown: readonly MemoryRange[]): string {
  const isUnknown = (i: number) => {
    const a = address + BigInt(i);
    return unknown.some((u) => a >= u.start && a < u.end);
  };
  const out: string[] = [];
  let prev: string | undefined;
  let starred = false;
  for (let row = 0; row < bytes.length; row += 16) {
    const cells: string[] = [];
    let text = "";
    for (let i = row; i < row + 16 && i < bytes.length; i++) {
      if (isUnknown(i)) {
        cells.push("??");
        text += "?";
      } else {
        const b = bytes[i] as number;
        cells.push(b.toString(16).padStart(2, "0"));
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      }
    }
    const key = cells.join(" ");
    if (key === prev) {
      if (!starred) out.push("*");
      starred = true;
      continue;
    }
    prev = key;
    starred = false;
    const left = cells.slice(0, 8).join(" ");
    const right = cells.slice(8).join(" ");
    out.push(`${hex(address + BigInt(row)).padStart(16, "0")}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${text}|`);
  }
  out.push(hex(address + BigInt(bytes.length)).padStart(16, "0"));
  return `${out.map(displayText).join("\n")}\n`;
}

export async function memRead(a: {
  path: string;
  pid?: string;
  addr?: string;
  len?: string;
  raw?: boolean;
  fill?: boolean;
  out?: string;
}): Promise<void> {
  const pid = pidOf(a.pid, "mem read");
  const address = addrOf(a.addr, "mem read");
  if (a.len === undefined || !/^\d+$/.test(a.len) || Number(a.len) > 1 << 30)
    throw new UsageError("mem read: --len N (bytes, at most 1 GiB)", "mem read");
  const cp = await openForMemory(a.path);
  taskCheck(cp, pid);
  const r = await readMemory(cp, pid, address, Number(a.len));
  if (a.raw) {
    if (r.unknown.length > 0 && !a.fill) {
      const u = r.unknown[0] as MemoryRange;
      throw new UsageError(
        `mem read: 0x${hex(u.start)}-0x${hex(u.end)} was not dumped; give --fill to write zeros there`,
        "mem read",
      );
    }
    if (a.out) await writeFileAtomic(a.out, r.bytes);
    else await writeStdout(r.bytes);
    return;
  }
  const text = hexdump(address, r.bytes, r.unknown);
  if (a.out) await writeFileAtomic(a.out, new TextEncoder().encode(text));
  else await writeStdout(text);
}

export async function memSearch(a: {
  path: string;
  pid?: string;
  string?: string;
  hex?: string;
  regex?: string;
  utf16?: string;
  context?: string;
  vma?: string[];
  prot?: string;
  json?: boolean;
}): Promise<void> {
  const given = [a.string, a.hex, a.regex, a.utf16].filter((x) => x !== undefined);
  if (given.length !== 1)
    throw new UsageError("mem search: give one of --string, --hex, --regex, --utf16", "mem search");
  let pattern: string | RegExp;
  let encoding: PatternEncoding = "utf8";
  if (a.regex !== undefined) {
    try {
      pattern = new RegExp(a.regex, "g");
    } catch (e) {
      throw new UsageError(`mem search: --regex: ${(e as Error).message}`, "mem search");
    }
  } else if (a.hex !== undefined) {
    pattern = a.hex;
    encoding = "hex";
    if (!/^([0-9a-fA-F]{2}[\s:]?)+$/.test(a.hex))
      throw new UsageError("mem search: --hex takes pairs of hex digits", "mem search");
  } else if (a.utf16 !== undefined) {
    pattern = a.utf16;
    encoding = "utf16le";
  } else pattern = a.string as string;
  for (const k of a.vma ?? [])
    if (!KINDS.includes(k as VmaKind))
      throw new UsageError(`mem search: --vma ${k}: one of ${KINDS.join(", ")}`, "mem search");
  if (a.prot !== undefined && !/^[rwx]+$/.test(a.prot))
    throw new UsageError("mem search: --prot takes letters of rwx", "mem search");
  if (a.context !== undefined && !/^\d+$/.test(a.context))
    throw new UsageError("mem search: --context N (bytes)", "mem search");
  const cp = await openForMemory(a.path);
  const pid = a.pid === undefined ? undefined : pidOf(a.pid, "mem search");
  if (pid !== undefined) taskCheck(cp, pid);
  const matches = searchMemory(cp, {
    pattern,
    encoding,
    ...(pid !== undefined ? { pid } : {}),
    ...(a.vma ? { kinds: a.vma as VmaKind[] } : {}),
    ...(a.prot ? { prot: a.prot } : {}),
    ...(a.context !== undefined ? { context: Number(a.context) } : {}),
  });
  if (a.json) {
    await writeStdout("[");
    let first = true;
    for await (const m of matches) {
      const rec = {
        pid: m.pid,
        address: `0x${hex(m.address)}`,
        length: m.length,
        vma: { start: `0x${hex(m.vma.start)}`, end: `0x${hex(m.vma.end)}`, kind: m.vma.kind, prot: m.vma.prot },
        context: Array.from(m.context, (b) => b.toString(16).padStart(2, "0")).join(""),
        contextStart: `0x${hex(m.address - BigInt(m.before))}`,
      };
      await writeStdout(`${first ? "" : ","}\n  ${JSON.stringify(rec)}`);
      first = false;
    }
    await writeStdout(`${first ? "" : "\n"}]\n`);
    // As grep: no match is exit status 1.
    if (first) throw new NothingMatched("no match");
    return;
  }
  let found = false;
  for await (const m of matches) {
    found = true;
    const show = (b: Uint8Array) =>
      Array.from(b, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".")).join("");
    await writeStdout(`${m.pid} 0x${hex(m.address)} ${m.vma.kind} ${m.vma.prot} ${show(m.context)}\n`);
  }
  if (!found) throw new NothingMatched("no match");
}

export async function memStrings(a: { path: string; pid?: string; n?: string; utf16?: boolean }): Promise<void> {
  const pid = pidOf(a.pid, "mem strings");
  if (a.n !== undefined && !/^\d+$/.test(a.n)) throw new UsageError("mem strings: -n MIN (characters)", "mem strings");
  const cp = await openForMemory(a.path);
  taskCheck(cp, pid);
  let buf = "";
  for await (const s of memoryStrings(cp, pid, {
    min: a.n === undefined ? 4 : Number(a.n),
    encoding: a.utf16 ? "utf16le" : "ascii",
  })) {
    buf += `0x${hex(s.address)} ${s.text}\n`;
    if (buf.length > 1 << 16) {
      await writeStdout(buf);
      buf = "";
    }
  }
  await writeStdout(buf);
}
