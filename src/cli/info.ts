/**
 * `info IN`: for one image, what crit info prints; for a checkpoint folder or
 * archive, inspect's checkpointInfo. An image is counted as it streams by, with the
 * framing alone: no protobuf runtime is loaded, so `info` starts as fast as
 * crit's.
 */
import { openFramedStream } from "../framing/stream.js";
import { critInfoForCount, critInfoForRaw } from "../json/crit-info.js";
import { pathKind } from "../node/path-kind.js";
import { imageName, source, writeStdout } from "./io.js";

export async function info(a: { in: string; name?: string }): Promise<void> {
  const kind = a.in === "-" ? "other" : await pathKind(a.in);
  if (kind === "folder" || kind === "archive") {
    const [{ open }, { checkpointInfo }] = await Promise.all([import("./checkpoint.js"), import("../inspect/info.js")]);
    await writeStdout(`${JSON.stringify(checkpointInfo(await open(a.in)), null, 4)}\n`);
    return;
  }
  const name = imageName(a.in, a.name);
  const s = await openFramedStream((await source(a.in)).chunks, name === undefined ? {} : { name });
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
