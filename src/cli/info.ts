/**
 * `info IN`: for one image, what crit info prints; for a checkpoint folder or
 * archive, what it is, its images apart from its other files, and the
 * container it came from. An image is counted as it streams by, with the
 * framing alone: no protobuf runtime is loaded, so `info` starts as fast as
 * crit's.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { openFramedStream } from "../framing/stream.js";
import { critInfoForCount, critInfoForRaw } from "../json/crit-info.js";
import { pathKind } from "../node/path-kind.js";
import { imageName, source, writeStdout } from "./io.js";

export async function info(a: { in: string; name?: string }): Promise<void> {
  const kind = a.in === "-" ? "other" : await pathKind(a.in);
  if (kind === "folder" || kind === "archive") {
    const { open } = await import("./checkpoint.js");
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

function json(cp: Checkpoint, path: string): unknown {
  const f = cp.source.companions.get(path);
  if (!f) return undefined;
  // Parsed metadata is capped: a bigger member (a decompression bomb) is sized, never read.
  if (f.size > 16 << 20) return `${f.size} bytes: over the 16 MiB limit for parsed metadata; not read`;
  try {
    return JSON.parse(new TextDecoder().decode(f.bytes()));
  } catch {
    return `${f.size} bytes (not JSON)`;
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The summary `info` prints for a checkpoint folder or archive. */
export function checkpointInfo(cp: Checkpoint): Record<string, unknown> {
  const names = cp.names();
  const config = obj(json(cp, "config.dump"));
  const spec = obj(json(cp, "spec.dump"));
  const proc = obj(spec?.process);
  const a = cp.source.archive;
  return {
    path: cp.label,
    type: cp.source.type,
    ...(a ? { compression: a.compression, layout: a.layout, imagesDir: a.imagesDir } : {}),
    kind: cp.dumpKind(),
    images: names.length,
    pagesBytes: names.filter((n) => n.startsWith("pages-")).reduce((s, n) => s + (cp.size(n) ?? 0), 0),
    otherFiles: cp.others().map((o) => (o.writer ? `${o.name} (${o.writer})` : `${o.name} (unknown)`)),
    companions: [...cp.source.companions.keys()].sort(),
    unsafe: (cp.source.unsafe ?? []).map((u) => `${u.name}: ${u.reason}`),
    ...(cp.source.parentLink !== undefined ? { parent: cp.source.parentLink } : {}),
    container: config
      ? {
          id: config.id ?? config.ID,
          name: config.name ?? config.Name,
          image: config.rootfsImageName ?? config.rootfsImage ?? config.image,
          created: config.createdTime ?? config.created,
        }
      : undefined,
    process: spec ? { args: proc?.args, hostname: spec.hostname } : undefined,
    network: json(cp, "network.status"),
  };
}
