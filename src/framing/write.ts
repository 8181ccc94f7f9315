import { CriuImageError } from "./errors.js";
import { kindOfHeader } from "./header.js";
import type { ImageKindInfo } from "./kinds.js";
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } from "./magic.js";
import { splitMsgRecords } from "./msg-records.js";
import { entrySchema, newRuleState, planExtra, type RuleState } from "./rules.js";
import type { FramedEntry, FramedImage, ImageHeader } from "./types.js";

/** The magic word(s) that start an image of this header. */
export function headerBytes(header: ImageHeader): Uint8Array {
  const kind = kindOfHeader(header);
  if (kind.raw) return new Uint8Array(0);
  const v1 = header.format === "v1";
  const out = new Uint8Array(v1 ? 4 : 8);
  const view = new DataView(out.buffer);
  if (!v1) view.setUint32(0, header.leadMagic ?? (kind.service ? IMG_SERVICE_MAGIC : IMG_COMMON_MAGIC), true);
  view.setUint32(v1 ? 0 : 4, kind.magic, true);
  return out;
}

/**
 * Checks that an entry's extra is what its payload announces, so that what
 * we write reads back (in CRIU too) as the same entries.
 */
function checkEntry(
  kind: ImageKindInfo,
  entry: FramedEntry,
  state: RuleState,
  name: string | undefined,
  offset: number,
  isLast: boolean,
): void {
  const plan = planExtra(kind, entry.payload, state, name, offset);
  const got = entry.extra?.length;
  const fail = (expected: string) =>
    new CriuImageError(
      "BAD_EXTRA",
      name,
      offset,
      expected,
      `entry ${state.index} has ${got === undefined ? "no" : got} extra bytes`,
    );
  switch (plan.type) {
    case "none":
      if (got) throw fail(`no extra payload after a ${entrySchema(kind, state.index)} entry`);
      break;
    case "bytes":
      if ((got ?? 0) !== plan.length) throw fail(`${plan.length} bytes of ${plan.what}`);
      break;
    case "rest":
      if (!isLast) throw fail(`no entry after the ${plan.what}`);
      break;
    case "msg-records":
      splitMsgRecords(entry.extra ?? new Uint8Array(0), plan.count, name);
      break;
  }
}

function sizePrefix(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Encodes a whole image. Throws CriuImageError if an extra does not fit its entry. */
export function writeFramed(image: FramedImage): Uint8Array {
  const kind = kindOfHeader(image);
  if (kind.raw) return image.raw ?? new Uint8Array(0);
  const head = headerBytes(image);
  let total = head.length;
  const state = newRuleState();
  const n = image.entries.length;
  for (let i = 0; i < n; i++) {
    const e = image.entries[i] as FramedEntry;
    if (e.payload.length > 0xffffffff) throw new CriuImageError("TOO_LARGE", image.name, total, "an entry under 4 GiB");
    checkEntry(kind, e, state, image.name, total, i === n - 1);
    total += 4 + e.payload.length + (e.extra?.length ?? 0);
    state.index++;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(head, 0);
  let pos = head.length;
  for (const e of image.entries) {
    view.setUint32(pos, e.payload.length, true);
    out.set(e.payload, pos + 4);
    pos += 4 + e.payload.length;
    if (e.extra) {
      out.set(e.extra, pos);
      pos += e.extra.length;
    }
  }
  return out;
}

/**
 * Encodes an image from entries that arrive one at a time, yielding chunks
 * to write. For raw images pass the bytes as `raw` chunks.
 */
export async function* writeFramedStream(
  header: ImageHeader,
  entries: AsyncIterable<FramedEntry> | Iterable<FramedEntry>,
  raw?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const kind = kindOfHeader(header);
  if (kind.raw) {
    if (raw) for await (const c of raw) yield c;
    return;
  }
  yield headerBytes(header);
  const state = newRuleState();
  let offset = header.format === "v1" ? 4 : 8;
  // One entry of look-ahead tells whether an entry is the last (ghost blobs).
  let pending: FramedEntry | undefined;
  const emit = function* (e: FramedEntry, isLast: boolean) {
    checkEntry(kind, e, state, header.name, offset, isLast);
    yield sizePrefix(e.payload.length);
    yield e.payload;
    if (e.extra && e.extra.length > 0) yield e.extra;
    offset += 4 + e.payload.length + (e.extra?.length ?? 0);
    state.index++;
  };
  for await (const e of entries) {
    if (pending) yield* emit(pending, false);
    pending = e;
  }
  if (pending) yield* emit(pending, true);
}
