/**
 * Entry-level differences of two checkpoints. Images with the same bytes
 * are never decoded; images that differ are split into entries by their
 * framing, and only entries whose bytes differ are decoded and compared
 * field by field, in crit's JSON forms. Raw images report byte ranges.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { kindByFileName } from "../framing/kinds.js";
import { readFramed } from "../framing/read.js";
import type { FramedEntry } from "../framing/types.js";
import { decodeEntry } from "../image/read.js";
import { diffValues, entryJson, type FieldChange } from "./values.js";

/** An entry added, removed or changed between two images. */
export interface EntryChange {
  index: number;
  change: "added" | "removed" | "changed";
  /** For changed entries: the fields that differ (extras included, as crit shows them). */
  fields: FieldChange[];
}

/** An image added, removed or changed between two checkpoints. */
export interface ImageChange {
  image: string;
  change: "added" | "removed" | "changed";
  kind: string;
  /** Entry images: the entries that differ. */
  entries?: EntryChange[];
  /** Raw images (and images that do not parse): changed byte ranges [start, end), the first 100. */
  ranges?: [number, number][];
  changedBytes?: number;
  sizes?: [number, number];
}

/** Whether two byte arrays hold the same bytes. */
export const same = (a: Uint8Array, b: Uint8Array) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const CHUNK = 1 << 20;

/** Changed byte ranges of two files read by offset (pages files can be big). */
async function byteRanges(
  a: Checkpoint,
  b: Checkpoint,
  name: string,
): Promise<{ ranges: [number, number][]; changed: number } | undefined> {
  const sa = a.size(name) ?? 0;
  const sb = b.size(name) ?? 0;
  const ranges: [number, number][] = [];
  let changed = 0;
  let open = -1;
  for (let at = 0; at < Math.max(sa, sb); at += CHUNK) {
    const x = at < sa ? await a.read(name, at, CHUNK) : new Uint8Array(0);
    const y = at < sb ? await b.read(name, at, CHUNK) : new Uint8Array(0);
    const n = Math.max(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const differs = i >= x.length || i >= y.length || x[i] !== y[i];
      if (differs) {
        changed++;
        if (open < 0) open = at + i;
      } else if (open >= 0) {
        if (ranges.length < 100) ranges.push([open, at + i]);
        open = -1;
      }
    }
  }
  if (open >= 0 && ranges.length < 100) ranges.push([open, Math.max(sa, sb)]);
  return changed === 0 ? undefined : { ranges, changed };
}

const entryBytesEqual = (x: FramedEntry, y: FramedEntry) =>
  same(x.payload, y.payload) &&
  (x.extra === undefined) === (y.extra === undefined) &&
  (!x.extra || same(x.extra, y.extra as Uint8Array));

/** How two checkpoints differ, image by image and entry by entry. */
export async function diffImages(a: Checkpoint, b: Checkpoint): Promise<ImageChange[]> {
  const out: ImageChange[] = [];
  const names = [...new Set([...a.names(), ...b.names()])].sort();
  for (const name of names) {
    const kind = kindByFileName(name);
    const kindName = kind?.kind ?? "UNKNOWN";
    if (!a.has(name) || !b.has(name)) {
      out.push({ image: name, change: a.has(name) ? "removed" : "added", kind: kindName });
      continue;
    }
    // One file shared by both (an edit's untouched images): the same without reading it.
    if (a.file(name) === b.file(name)) continue;
    if (kind?.raw || (a.size(name) ?? 0) > 64 << 20) {
      // Raw (pages) and huge images: compared by bytes, a window at a time.
      const r = await byteRanges(a, b, name);
      const sizes: [number, number] = [a.size(name) ?? 0, b.size(name) ?? 0];
      if (r)
        out.push({ image: name, change: "changed", kind: kindName, ranges: r.ranges, changedBytes: r.changed, sizes });
      continue;
    }
    const x = a.bytes(name) as Uint8Array;
    const y = b.bytes(name) as Uint8Array;
    if (same(x, y)) continue;
    let fa: ReturnType<typeof readFramed>;
    let fb: ReturnType<typeof readFramed>;
    try {
      fa = readFramed(x, { name });
      fb = readFramed(y, { name });
    } catch {
      const r = await byteRanges(a, b, name);
      out.push({
        image: name,
        change: "changed",
        kind: kindName,
        ...(r ? { ranges: r.ranges, changedBytes: r.changed } : {}),
      });
      continue;
    }
    const entries: EntryChange[] = [];
    const n = Math.max(fa.entries.length, fb.entries.length);
    for (let i = 0; i < n; i++) {
      const ea = fa.entries[i];
      const eb = fb.entries[i];
      if (!ea || !eb) {
        entries.push({ index: i, change: ea ? "removed" : "added", fields: [] });
        continue;
      }
      if (entryBytesEqual(ea, eb)) continue;
      const da = decodeEntry(fa, ea);
      const db = decodeEntry(fb, eb);
      const fields: FieldChange[] = [];
      diffValues(
        entryJson(fa.kind, da.message, da.extra),
        entryJson(fb.kind, db.message, db.extra),
        `entries[${i}]`,
        fields,
      );
      entries.push({ index: i, change: "changed", fields });
    }
    out.push({ image: name, change: "changed", kind: kindName, entries });
  }
  return out;
}
