/**
 * `info IN`: for one image, what crit info prints; for a checkpoint folder or
 * archive, inspect's checkpointInfo. An image is counted as it streams by, with the
 * framing alone: no protobuf runtime is loaded, so `info` starts as fast as
 * crit's.
 */

import { compressionOf, isTarHeader } from "../archive/compression.js";
import { openFramedStream } from "../framing/stream.js";
import { critInfoForCount, critInfoForRaw } from "../json/crit-info.js";
import { pathKind } from "../node/path-kind.js";
import { imageName, source, writeStdout } from "./io.js";
import { UsageError } from "./usage.js";

/** Passes an image's bytes on; an archive (tar, gzip, zstd) on stdin is refused with what to do instead. */
async function* notAnArchive(input: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const c of chunks) {
    if (first && c.length > 0) {
      first = false;
      if (compressionOf(c) !== "none" || (c.length >= 512 && isTarHeader(c.subarray(0, 512))))
        throw new UsageError(
          `info: ${input === "-" ? "stdin" : input} holds an archive; info - reads one image, an archive is given by its path (info ARCHIVE)`,
          "info",
        );
    }
    yield c;
  }
}

export async function info(a: { in: string; name?: string }): Promise<void> {
  const kind = a.in === "-" ? "other" : await pathKind(a.in);
  if (kind === "folder" || kind === "archive") {
    const [{ open }, { checkpointInfo }] = await Promise.all([import("./checkpoint.js"), import("../inspect/info.js")]);
    await writeStdout(`${JSON.stringify(checkpointInfo(await open(a.in)), null, 4)}\n`);
    return;
  }
  const name = imageName(a.in, a.name);
  const s = await openFramedStream(notAnArchive(a.in, (await source(a.in)).chunks), name === undefined ? {} : { name });
  if (s.header.format === "raw") {
    let size = 0;
    for await (const c of s.raw) size += c.length;
    await writeStdout(critInfoForRaw(s.header.kind, size));
    return;
  }
  let count = 0;
  for await (const _ of s.entries) count++;
  await writeStdout(critInfoForCount(s.header.kind, count));
}
