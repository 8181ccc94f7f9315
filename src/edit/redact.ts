/**
 * Redaction that keeps a checkpoint valid and restorable: every secret is
 * overwritten in place with bytes of the same length, so sizes and framing
 * stay as they were. Environment values keep their NAME=, in memory and in
 * the engine's metadata (the OCI spec's process.env, CRI's envs). Strings
 * and expressions are overwritten wherever a value can be: dumped memory
 * (shared memory included; strings in UTF-8 and, by default, UTF-16LE),
 * the engine's metadata, System V message queues and shared memory kept
 * apart, ghost files, pipe, FIFO and socket queues, TCP queues, BPF maps.
 * Queue and pipe data can also be zeroed whole. What was changed is
 * reported by place only, never by value; places that are not searched are
 * named.
 */
import { ENGINE_FILES, METADATA_LIMIT } from "../archive/index.js";
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { overlaySource } from "../checkpoint/source.js";
import { CriuImageError } from "../framing/errors.js";
import { kindByFileName } from "../framing/kinds.js";
import { jsonStrings, pathText, replaceJsonStrings } from "../json/text-edit.js";
import { pageSizeOf, readMemory } from "../memory/read.js";
import { patternBytes, searchMemory } from "../memory/search.js";
import { EditSession } from "./session.js";

/** What `redactCheckpoint` blanks. */
export interface RedactOptions {
  /** Blank the values of these environment variables (the name and "=" stay). */
  env?: readonly string[];
  /** Blank every environment value. */
  envAll?: boolean;
  /** Overwrite every occurrence of these strings, in every place a value can be (see the module). */
  strings?: readonly string[];
  /** Look for the strings' UTF-16LE form too (as Java, .NET and Windows-born programs keep text). Default true. */
  utf16?: boolean;
  /** Overwrite every match of these expressions (over bytes as Latin-1) in the same places. */
  regexes?: readonly RegExp[];
  /** Zero the queued data of TCP connections (tcp-stream images). */
  tcpQueues?: boolean;
  /** Zero the data in pipes and FIFOs, and queued on unix sockets. */
  pipes?: boolean;
  /** The byte written over secrets (default "*"). */
  filler?: number;
  /** Accept an environment name, string or expression that matches nothing (by default an error: nothing is written). */
  allowUnmatched?: boolean;
}

/** One place `redactCheckpoint` overwrote: by location and size only, never the value. */
export interface Redaction {
  what:
    | "env"
    | "match"
    | "tcp-queue"
    | "pipe"
    | "socket-queue"
    | "ipc-msg"
    | "ipc-shm"
    | "ghost-file"
    | "bpf-map"
    | "metadata";
  where: string;
  bytes: number;
}

/** A redacted checkpoint: the images and metadata files to write, and where it overwrote. */
export interface RedactResult {
  /** The redacted checkpoint (the input with the changed files replaced). */
  checkpoint: Checkpoint;
  /** Each changed image's new bytes. */
  changed: ReadonlyMap<string, Uint8Array>;
  /** Each changed engine metadata file's new bytes (by its path beside the images). */
  changedMetadata: ReadonlyMap<string, Uint8Array>;
  redactions: Redaction[];
  /** Places that were not searched, and why (a secret there is still there). */
  notSearched: string[];
}

const ENV_LIMIT = 1 << 24;

/** One redaction under way: the checkpoint, its edit, the options, and what it did and found so far. */
interface Run {
  cp: Checkpoint;
  e: EditSession;
  o: RedactOptions;
  fill: number;
  done: Redaction[];
  /** Selectors that matched somewhere ("env NAME", "string K", "regex K"). */
  hits: Set<string>;
}

async function redactEnv({ cp, e, o, fill, done, hits }: Run): Promise<void> {
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
          hits.add(`env ${name}`);
        }
      }
      i = end + 1;
    }
  }
}

async function redactMatches({ cp, e, o, fill, done, hits }: Run): Promise<void> {
  const patterns: { key: string; pattern: Uint8Array | RegExp }[] = [
    ...needles(o),
    ...(o.regexes ?? []).map((re, k) => ({ key: `regex ${k}`, pattern: re })),
  ];
  const ps = pageSizeOf(cp);
  for (const { key, pattern } of patterns) {
    for await (const m of searchMemory(cp, { pattern, pageSize: ps, context: 0 })) {
      e.writeMemory(m.pid, m.address, new Uint8Array(m.length).fill(fill), { pageSize: ps });
      done.push({ what: "match", where: `task ${m.pid} 0x${m.address.toString(16)} (${m.vma.kind})`, bytes: m.length });
      hits.add(key);
    }
  }
}

/** The byte strings of `strings` (UTF-8, and UTF-16LE unless turned off), each with its selector's key. */
function needles(o: RedactOptions): { key: string; pattern: Uint8Array }[] {
  const out: { key: string; pattern: Uint8Array }[] = [];
  for (const [k, str] of (o.strings ?? []).entries()) {
    out.push({ key: `string ${k}`, pattern: patternBytes(str, "utf8") });
    if (o.utf16 !== false) out.push({ key: `string ${k}`, pattern: patternBytes(str, "utf16le") });
  }
  return out;
}

/** Overwrites every match in `bytes`, in place; returns how many bytes were overwritten. */
function overwrite(bytes: Uint8Array, o: RedactOptions, fill: number, hits: Set<string>): number {
  let n = 0;
  for (const { key, pattern: needle } of needles(o)) {
    const before = n;
    for (let i = bytes.indexOf(needle[0] as number); i !== -1 && i + needle.length <= bytes.length; ) {
      let k = 1;
      while (k < needle.length && bytes[i + k] === needle[k]) k++;
      if (k === needle.length) {
        bytes.fill(fill, i, i + needle.length);
        n += needle.length;
        i = bytes.indexOf(needle[0] as number, i + needle.length);
      } else i = bytes.indexOf(needle[0] as number, i + 1);
    }
    if (n > before) hits.add(key);
  }
  for (const [k, re] of (o.regexes ?? []).entries()) {
    const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    for (let m = g.exec(text); m; m = g.exec(text)) {
      if (m[0].length === 0) {
        g.lastIndex++;
        continue;
      }
      bytes.fill(fill, m.index, m.index + m[0].length);
      n += m[0].length;
      hits.add(`regex ${k}`);
    }
  }
  return n;
}

/** Data that follows entries, by kind: every byte array a value can be in. */
const PAYLOADS: Partial<Record<string, { what: Redaction["what"]; parts: (x: unknown) => Uint8Array[] }>> = {
  TCP_STREAM: { what: "tcp-queue", parts: (x) => [(x as { inq: Uint8Array }).inq, (x as { outq: Uint8Array }).outq] },
  PIPES_DATA: { what: "pipe", parts: (x) => [x as Uint8Array] },
  FIFO_DATA: { what: "pipe", parts: (x) => [x as Uint8Array] },
  SK_QUEUES: { what: "socket-queue", parts: (x) => [x as Uint8Array] },
  IPCNS_MSG: { what: "ipc-msg", parts: (x) => (x as { data: Uint8Array }[]).map((m) => m.data) },
  IPCNS_SHM: { what: "ipc-shm", parts: (x) => (x ? [(x as { data: Uint8Array }).data] : []) },
  GHOST_FILE: { what: "ghost-file", parts: (x) => (x ? [x as Uint8Array] : []) },
  BPFMAP_DATA: { what: "bpf-map", parts: (x) => [x as Uint8Array] },
};

function redactExtras({ cp, e, o, fill, done, hits }: Run): void {
  const search = (o.strings?.length ?? 0) + (o.regexes?.length ?? 0) > 0;
  for (const name of cp.names()) {
    const kind = kindByFileName(name)?.kind as string | undefined;
    const payload = kind ? PAYLOADS[kind] : undefined;
    if (!kind || !payload) continue;
    const zero =
      (o.tcpQueues && kind === "TCP_STREAM") ||
      (o.pipes && (kind === "PIPES_DATA" || kind === "FIFO_DATA" || kind === "SK_QUEUES"));
    if (!zero && !search) continue;
    const img = e.image(name, kind as "PIPES_DATA");
    (img?.extras ?? []).forEach((x, i) => {
      const parts = payload.parts(x);
      const bytes = zero
        ? parts.reduce((n, p) => {
            p.fill(0);
            return n + p.length;
          }, 0)
        : parts.reduce((n, p) => n + overwrite(p, o, fill, hits), 0);
      if (bytes > 0) done.push({ what: payload.what, where: `${name} entry ${i}`, bytes });
    });
  }
}

/** The engine's metadata files: environment values and matches in their JSON string values. */
function redactMetadata({ cp, e, o, fill, done, hits }: Run): void {
  const names = new Set(o.env ?? []);
  const filler = String.fromCharCode(fill);
  const wantEnv = o.envAll || names.size > 0;
  for (const file of ENGINE_FILES) {
    const f = cp.source.companions.get(file);
    if (!f || f.size > METADATA_LIMIT) continue;
    let text: string;
    let strings: ReturnType<typeof jsonStrings>;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(e.metadata(file));
      strings = jsonStrings(text, () => true);
    } catch {
      continue; // Named in notSearched.
    }
    const byPath = new Map(strings.map((s) => [pathText(s.path), s.value]));
    const edits: Parameters<typeof replaceJsonStrings>[1][number][] = [];
    for (const s of strings) {
      let v = s.value;
      let what: Redaction["what"] = "metadata";
      const last = s.path.at(-1);
      const parent = s.path.at(-2);
      if (wantEnv && parent === "env" && typeof last === "number") {
        // The OCI spec's process.env (spec.dump, and config.dump's copy of the spec): NAME=value.
        const eq = v.indexOf("=");
        if (eq > 0 && (o.envAll || names.has(v.slice(0, eq)))) {
          v = v.slice(0, eq + 1) + filler.repeat(v.length - eq - 1);
          what = "env";
          hits.add(`env ${s.value.slice(0, eq)}`);
        }
      } else if (wantEnv && last === "value" && s.path.at(-3) === "envs") {
        // CRI's container config (containerd's and CRI-O's config.dump): {key, value}.
        const key = byPath.get(pathText([...s.path.slice(0, -1), "key"]));
        if (key !== undefined && (o.envAll || names.has(key))) {
          v = filler.repeat(v.length);
          what = "env";
          hits.add(`env ${key}`);
        }
      }
      const matches = (x: string, found?: Set<string>) => {
        for (const [k, str] of (o.strings ?? []).entries()) {
          if (found && x.includes(str)) found.add(`string ${k}`);
          x = x.split(str).join(filler.repeat(str.length));
        }
        for (const [k, re] of (o.regexes ?? []).entries()) {
          const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
          x = x.replace(g, (m) => {
            found?.add(`regex ${k}`);
            return filler.repeat(m.length);
          });
        }
        return x;
      };
      const envValue = v !== s.value;
      v = matches(v, hits);
      if (v === s.value) continue;
      // The same change of the token as written keeps the engine's own escapes elsewhere in the value.
      const edit = (raw: string) => {
        if (!envValue) return matches(raw);
        const eq = raw.indexOf("=");
        return eq > 0 ? matches(`${raw.slice(0, eq + 1)}${filler.repeat(raw.length - eq - 2)}"`) : raw;
      };
      edits.push({ start: s.start, end: s.end, value: v, edit });
      let changedChars = 0;
      for (let k = 0; k < v.length; k++) if (v[k] !== s.value[k]) changedChars++;
      done.push({ what, where: `${file} ${pathText(s.path)}`, bytes: changedChars });
    }
    if (edits.length > 0) e.setMetadata(file, new TextEncoder().encode(replaceJsonStrings(text, edits)));
  }
}

/** What is not searched in this checkpoint: its other companion files, raw images, names in images. */
function notSearched(cp: Checkpoint, o: RedactOptions): string[] {
  const out: string[] = [];
  for (const [path, f] of cp.source.companions) {
    if (ENGINE_FILES.includes(path) && f.size <= METADATA_LIMIT) continue;
    out.push(
      ENGINE_FILES.includes(path)
        ? `${path}: over the ${METADATA_LIMIT >> 20} MiB limit for metadata`
        : `${path}: not one of the engine's metadata files (an archive of the container's files, a log, statistics)`,
    );
  }
  if ((o.strings?.length ?? 0) + (o.regexes?.length ?? 0) === 0) return out;
  const raw = cp.names().filter((n) => kindByFileName(n)?.raw && !/^pages-/.test(n));
  if (raw.length > 0)
    out.push(`raw images (${raw.join(", ")}): kernel dumps of the network namespace, kept as they are`);
  out.push("names inside images (file paths, socket names, process names): changing them would break the restore");
  if (o.utf16 === false) out.push("UTF-16LE copies of the strings (utf16 is off)");
  return out;
}

/** Redacts within an edit session; returns where it overwrote, and the selectors that matched nothing. */
async function redactWithin(
  e: EditSession,
  o: RedactOptions,
): Promise<{ redactions: Redaction[]; unmatched: string[] }> {
  const cp = e.checkpoint;
  const fill = o.filler ?? 0x2a;
  const done: Redaction[] = [];
  const hits = new Set<string>();
  const run: Run = { cp, e, o, fill, done, hits };
  await redactEnv(run);
  await redactMatches(run);
  redactExtras(run);
  redactMetadata(run);
  const unmatched = [
    ...(o.envAll ? [] : (o.env ?? []).filter((n) => !hits.has(`env ${n}`)).map((n) => `--env ${n}`)),
    // A string or expression is named by its place in the list only: it may hold the secret itself.
    ...(o.strings ?? []).flatMap((_, k) => (hits.has(`string ${k}`) ? [] : [`--string number ${k + 1}`])),
    ...(o.regexes ?? []).flatMap((_, k) => (hits.has(`regex ${k}`) ? [] : [`--regex number ${k + 1}`])),
  ];
  return { redactions: done, unmatched };
}

/** Redacts within an edit session; returns where it overwrote. */
export async function redact(e: EditSession, o: RedactOptions): Promise<Redaction[]> {
  return (await redactWithin(e, o)).redactions;
}

/** Redacts a checkpoint: the files to write, where it overwrote (never what), and what it did not search. */
export async function redactCheckpoint(input: CheckpointLike, o: RedactOptions): Promise<RedactResult> {
  const cp = Checkpoint.of(input);
  const session = new EditSession(cp);
  const { redactions, unmatched } = await redactWithin(session, o);
  if (unmatched.length > 0 && !o.allowUnmatched)
    throw new CriuImageError(
      "INVALID",
      cp.label,
      0,
      "selectors that each match something",
      `${unmatched.join(", ")} matched nothing; nothing was redacted (allowUnmatched accepts it)`,
    );
  const changed = session.finish();
  const changedMetadata = session.finishMetadata();
  return {
    checkpoint: new Checkpoint(overlaySource(cp.source, changed, changedMetadata)),
    changed,
    changedMetadata,
    redactions,
    notSearched: notSearched(cp, o),
  };
}
