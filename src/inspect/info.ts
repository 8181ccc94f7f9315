/**
 * What a checkpoint is at a glance: its source, kind, images apart from
 * its other files, and the container it came from (read by the one
 * container reader, so `info` and `inspect --container` agree).
 */
import type { Checkpoint, DumpKind } from "../checkpoint/checkpoint.js";
import { type ContainerView, container, metadataNotes } from "./container.js";

/** The summary of a checkpoint folder or archive (what `criu-image info` prints). */
export interface CheckpointInfo {
  /** The checkpoint as the user named it. */
  path: string;
  type: "folder" | "archive" | "memory";
  compression?: "none" | "gzip" | "zstd";
  /** The engine layout of an archive or extracted export (podman, cri-o, containerd) or plain. */
  layout?: string;
  /** Where the images are inside an archive ("" at its top). */
  imagesDir?: string;
  kind: DumpKind;
  /** CRIU images. */
  images: number;
  /** Bytes of pages-* images. */
  pagesBytes: number;
  /** Files among the images that are not CRIU images, with who wrote them when known. */
  otherFiles: string[];
  /** Engine files beside the images (config.dump, spec.dump, …). */
  companions: string[];
  /** Archive members that were refused, with why. */
  unsafe: string[];
  /** Where `parent` leads, for a dump on top of a pre-dump. */
  parent?: string;
  container: ContainerView | null;
  /** Metadata that was not read (too big to parse). */
  notes: string[];
}

/** The summary `criu-image info` prints for a checkpoint folder or archive. */
export function checkpointInfo(cp: Checkpoint): CheckpointInfo {
  const names = cp.names();
  const a = cp.source.archive;
  return {
    path: cp.label,
    type: cp.source.type,
    ...(a ? { compression: a.compression, layout: a.layout, imagesDir: a.imagesDir } : {}),
    kind: cp.dumpKind(),
    images: names.length,
    pagesBytes: names.filter((n) => n.startsWith("pages-")).reduce((s, n) => s + (cp.size(n) ?? 0), 0),
    otherFiles: cp.others().map((o) => `${o.name} (${o.writer ?? "unknown"})`),
    companions: [...cp.source.companions.keys()].sort(),
    unsafe: (cp.source.unsafe ?? []).map((u) => `${u.name}: ${u.reason}`),
    ...(cp.source.parentLink !== undefined ? { parent: cp.source.parentLink } : {}),
    container: container(cp),
    notes: metadataNotes(cp),
  };
}
