/**
 * Redaction that keeps a checkpoint valid and restorable: every secret is
 * overwritten in place with bytes of the same length, so sizes and framing
 * stay as they were. Environment values keep their NAME=; matches are
 * overwritten wherever they are in dumped memory (shared memory included);
 * queue and pipe data is zeroed.
 */
import type { Checkpoint, CheckpointLike } from "../checkpoint/checkpoint.js";
import { kindByFileName } from "../framing/kinds.js";
import { pageSizeOf, readMemory } from "../memory/read.js";
import { searchMemory } from "../memory/search.js";
import { type EditResult, editCheckpoint } from "./edit.js";
import type { EditSession } from "./session.js";

/** What `redactCheckpoint` blanks. */
export interface RedactOptions {
  /** Blank the values of these environment variables (the name and "=" stay). */
  env?: readonly string[];
  /** Blank every environment value. */
  envAll?: boolean;
  /** Overwrite every occurrence of these strings (UTF-8) in dumped memory. */
  strings?: readonly string[];
  /** Overwrite every match of these expressions (over bytes as Latin-1) in dumped memory. */
  regexes?: readonly RegExp[];
  /** Zero the queued data of TCP connections (tcp-stream images). */
  tcpQueues?: boolean;
  /** Zero the data in pipes and FIFOs, and queued on unix sockets. */
  pipes?: boolean;
  /** The byte written over memory secrets (default "*"). */
  filler?: number;
}

/** One thing `redactCheckpoint` blanked, and where. */
export interface Redaction {
  what: "env" | "match" | "tcp-queue" | "pipe" | "socket-queue";
  where: string;
  bytes: number;
}

const ENV_LIMIT = 1 << 24;

async function redactEnv(
  cp: Checkpoint,
  e: EditSession,
  o: RedactOptions,
  fill: number,
  done: Redaction[],
): Promise<void> {
  const names = new Set(o.env ?? []);
  if (!o.envAll && names.size === 0) return;
  const ps = pageSizeOf(cp);
  for (const t of cp.tasks()) {
    if (cp.isZombie(t.pid) || !cp.has(`mm-${t.pid}.img`)) continue;
    const mm = cp.first(`mm-${t.pid}.img`, "MM");
    if (!mm || mm.mmEnvEnd <= mm.mmEnvStart || mm.mmEnvEnd - mm.mmEnvStart > BigInt(ENV_LIMIT)) continue;
    const r = await readMemory(cp, t.pid, mm.mmEnvStart, Number(mm.mmEnvEnd - mm.mmEnvStart), { pageSize: ps });
    const b = r.bytes;
    for (let i = 0; i < b.length; ) {
      let end = b.indexOf(0, i);
      if (end < 0) end = b.length;
      const eq = b.subarray(i, end).indexOf(0x3d);
      if (eq > 0) {
        const name = new TextDecoder().decode(b.subarray(i, i + eq));
        const valueAt = i + eq + 1;
        if ((o.envAll || names.has(name)) && end > valueAt) {
          // Unknown bytes there would be refused by writeMemory with the reason.
          e.writeMemory(t.pid, mm.mmEnvStart + BigInt(valueAt), new Uint8Array(end - valueAt).fill(fill), {
            pageSize: ps,
          });
          done.push({ what: "env", where: `task ${t.pid} ${name}`, bytes: end - valueAt });
        }
      }
      i = end + 1;
    }
  }
}

async function redactMatches(
  cp: Checkpoint,
  e: EditSession,
  o: RedactOptions,
  fill: number,
  done: Redaction[],
): Promise<void> {
  const patterns: (string | RegExp)[] = [...(o.strings ?? []), ...(o.regexes ?? [])];
  const ps = pageSizeOf(cp);
  for (const pattern of patterns) {
    for await (const m of searchMemory(cp, { pattern, pageSize: ps, context: 0 })) {
      e.writeMemory(m.pid, m.address, new Uint8Array(m.length).fill(fill), { pageSize: ps });
      done.push({ what: "match", where: `task ${m.pid} 0x${m.address.toString(16)} (${m.vma.kind})`, bytes: m.length });
    }
  }
}

function redactExtras(cp: Checkpoint, e: EditSession, o: RedactOptions, done: Redaction[]): void {
  for (const name of cp.names()) {
    const kind = kindByFileName(name)?.kind;
    if (o.tcpQueues && kind === "TCP_STREAM") {
      const img = e.image(name, "TCP_STREAM");
      for (const x of img?.extras ?? []) {
        x.inq.fill(0);
        x.outq.fill(0);
        done.push({ what: "tcp-queue", where: name, bytes: x.inq.length + x.outq.length });
      }
    }
    if (o.pipes && (kind === "PIPES_DATA" || kind === "FIFO_DATA" || kind === "SK_QUEUES")) {
      const img = e.image(name, kind);
      for (const x of (img?.extras ?? []) as Uint8Array[]) {
        x.fill(0);
        done.push({ what: kind === "SK_QUEUES" ? "socket-queue" : "pipe", where: name, bytes: x.length });
      }
    }
  }
}

/** Redacts within an edit session; returns what was overwritten. */
export async function redact(e: EditSession, o: RedactOptions): Promise<Redaction[]> {
  const cp = e.checkpoint;
  const fill = o.filler ?? 0x2a;
  const done: Redaction[] = [];
  await redactEnv(cp, e, o, fill, done);
  await redactMatches(cp, e, o, fill, done);
  redactExtras(cp, e, o, done);
  return done;
}

/** Redacts a checkpoint; the result says what changed (as diff) and what was overwritten. */
export async function redactCheckpoint(
  input: CheckpointLike,
  o: RedactOptions,
): Promise<EditResult & { redactions: Redaction[] }> {
  let redactions: Redaction[] = [];
  const r = await editCheckpoint(input, async (e) => {
    redactions = await redact(e, o);
  });
  return { ...r, redactions };
}
