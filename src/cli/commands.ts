/** The crit-compatible commands that stream one image: decode, encode and show (info and x have their own files). */
import { critJsonToImage, imageToCritJson } from "../json/stream-convert.js";
import { type WriteFileOptions, writeFileAtomic } from "../node/atomic.js";
import { imageName, source, writeStdout } from "./io.js";
import { Progress } from "./progress.js";

async function* counting(chunks: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    progress.update(n);
    yield c;
  }
}

/** Writes chunks to OUT (atomically, or into a device/FIFO) or to stdout. */
async function emit(
  out: string | undefined,
  chunks: AsyncIterable<Uint8Array>,
  options: WriteFileOptions = {},
): Promise<void> {
  if (out === undefined || out === "-") for await (const c of chunks) await writeStdout(c);
  else await writeFileAtomic(out, chunks, options);
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
  try {
    // crit adds a newline on stdout only.
    const json = await imageToCritJson(counting(src.chunks, progress), {
      ...(name === undefined ? {} : { name }),
      pretty,
      noPayload,
      newline: a.out === undefined || a.out === "-",
      reuseBuffer: true,
    });
    // One chunk is written while the next is made (the two buffers of
    // reuseBuffer). The JSON is made from the image again at will, so it is
    // not fsynced (crit does not either); an image written by encode is.
    await emit(a.out, json, { chunksKept: true, durable: false });
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
    await emit(a.out, await critJsonToImage(counting(src.chunks, progress), name === undefined ? {} : { name }));
  } finally {
    progress.done();
  }
}
