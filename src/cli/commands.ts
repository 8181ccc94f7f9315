/** The crit-compatible commands (decode, encode, info, show, x) and recover. */
import { CriuImageError } from "../framing/errors.js";
import { openFramedStream } from "../framing/stream.js";
import { writeImageStream } from "../image/stream.js";
import { openCritJsonStream } from "../json/from-crit-stream.js";
import { CritJsonWriter } from "../json/to-crit.js";
import { writeFileAtomic } from "../node/atomic.js";
import { recoverCheckpointDir } from "../node/rewrite.js";
import { open } from "./checkpoint.js";
import { EXPLORER_NAMES, explore as runExplorer } from "./explore.js";
import { imageName, source, warn, writeStdout } from "./io.js";
import { Progress } from "./progress.js";
import { UsageError } from "./usage.js";

async function* counting(chunks: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    progress.update(n);
    yield c;
  }
}

/** Writes chunks to OUT (atomically, or into a device/FIFO) or to stdout. */
async function emit(out: string | undefined, chunks: AsyncIterable<Uint8Array>, chunksKept = false): Promise<void> {
  if (out === undefined || out === "-") for await (const c of chunks) await writeStdout(c);
  else await writeFileAtomic(out, chunks, { chunksKept });
}

/**
 * Decodes an image to crit JSON as it streams in and writes the JSON as it
 * is made, so memory stays flat however large the image is.
 */
async function streamJson(
  a: { in?: string; name?: string; out?: string },
  pretty: boolean,
  noPayload: boolean,
): Promise<void> {
  const src = await source(a.in);
  const progress = new Progress(`decoding ${a.in ?? "stdin"}`, src.size !== undefined ? { total: src.size } : {});
  const name = imageName(a.in, a.name);
  const s = await openFramedStream(counting(src.chunks, progress), name === undefined ? {} : { name });
  if (s.header.format === "raw") {
    // As crit: a raw image has no JSON form; nothing goes to stdout.
    throw new CriuImageError(
      "UNSUPPORTED",
      name,
      0,
      "an image of entries",
      `${s.header.kind} is a raw image (not an entry stream), which has no JSON form`,
    );
  }
  const w = new CritJsonWriter(s.header.kind, { pretty, noPayload });
  async function* json(): AsyncGenerator<Uint8Array> {
    w.head();
    for await (const batch of s.batches) {
      for (const e of batch) {
        w.framedEntry(s.header, e);
        // Hand over ~1 MiB at a time, so the output buffer never grows past that.
        if (w.out.pos >= 1 << 20) yield w.take();
      }
    }
    w.tail();
    // crit adds a newline on stdout only.
    if (a.out === undefined) w.out.ascii("\n");
    yield w.take();
  }
  try {
    // Each chunk is a buffer of its own (CritJsonWriter.take): the next is rendered while one is written.
    await emit(a.out, json(), true);
  } finally {
    progress.done();
  }
}

export interface DecodeArgs {
  in?: string;
  out?: string;
  pretty?: boolean;
  name?: string;
}

export function decode(a: DecodeArgs): Promise<void> {
  return streamJson(a, a.pretty ?? false, false);
}

export function show(a: { in: string; nopl?: boolean; name?: string }): Promise<void> {
  return streamJson(a, true, a.nopl ?? false);
}

/** crit JSON to an image, streaming: memory holds one entry at a time. */
export async function encode(a: { in?: string; out?: string }): Promise<void> {
  const src = await source(a.in);
  const name = imageName(a.in, undefined)?.replace(/\.json$/, "");
  const progress = new Progress(`encoding ${a.in ?? "stdin"}`, src.size !== undefined ? { total: src.size } : {});
  try {
    const doc = await openCritJsonStream(counting(src.chunks, progress), name === undefined ? {} : { name });
    await emit(a.out, writeImageStream(doc.header, doc.entries));
  } finally {
    progress.done();
  }
}

export async function explore(a: { dir: string; what: string }): Promise<void> {
  if (!EXPLORER_NAMES.includes(a.what)) {
    throw new UsageError(`x: unknown explorer "${a.what}" (choose ${EXPLORER_NAMES.join(", ")})`, "x");
  }
  const { text, notes } = runExplorer(await open(a.dir), a.what);
  await writeStdout(text);
  for (const n of notes) warn(n);
}

export async function recover(a: { dir: string }): Promise<void> {
  const done = await recoverCheckpointDir(a.dir);
  await writeStdout(
    done.length === 0 ? `${a.dir}: nothing to recover\n` : `${done.map((d) => `${a.dir}: ${d}`).join("\n")}\n`,
  );
}
