/**
 * A checkpoint out of the members of an archive (or the files of an uploaded
 * folder): which folder holds the images, how pre-dumps chain through their
 * `parent` links, what sits beside the images, and which engine's layout it
 * is. Pure, so the Node archive reader and the browser explorer share it.
 */
import { METADATA_LIMIT } from "../archive/index.js";
import { CriuImageError } from "../framing/errors.js";
import { kindByFileName } from "../framing/kinds.js";
import type { ArchiveLayout, ImageSource, SourceFile, SourceNote } from "./source.js";

/** One member, as the reader that met it kept it. */
export interface SourceMember {
  /** Its path inside the archive or folder, normalised: no leading "./", no "//". */
  readonly path: string;
  /** "file" for regular files; links, folders, devices, … are noted, never read. */
  readonly type: string;
  readonly size: number;
  readonly mtime?: Date | undefined;
  /** A symbolic link's target. */
  readonly link?: string | undefined;
  /** The contents of a regular file, however the reader kept them. */
  readonly file?: SourceFile | undefined;
}

/** Options of `sourceFromMembers`. */
export interface MembersOptions {
  /** What the user named (a path, "stdin", a file name): used in messages and as the source's label. */
  readonly label: string;
  readonly type: "folder" | "archive";
  /** Archives: how the bytes were compressed. */
  readonly compression?: "none" | "gzip" | "zstd";
  /** Makes the error for members that hold no checkpoint, or several (default: a CriuImageError). */
  readonly fail?: (what: string) => Error;
}

const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** `rel` from folder `dir`, with "." and ".." resolved (never above the top). */
function joinPath(dir: string, rel: string): string {
  const parts = rel.startsWith("/") || !dir ? [] : dir.split("/");
  for (const p of rel.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

/** Small text members (`parent` links written as files, spec.dump); undefined when not kept or too big. */
function textOf(m: SourceMember | undefined, limit: number): string | undefined {
  if (!m?.file || m.size > limit) return undefined;
  try {
    return new TextDecoder().decode(m.file.bytes());
  } catch {
    return undefined;
  }
}

/**
 * @internal The engine whose layout this is, from the files beside the
 * images and spec.dump's annotations (an archive's members, or an extracted
 * export's files).
 */
export function layoutOf(members: ReadonlyMap<string, SourceMember>, imagesDir: string): ArchiveLayout {
  if (imagesDir !== "checkpoint") return "plain";
  let annotations: Record<string, unknown> = {};
  try {
    const doc = JSON.parse(textOf(members.get("spec.dump"), METADATA_LIMIT) ?? "null");
    if (doc && typeof doc.annotations === "object" && doc.annotations) annotations = doc.annotations;
  } catch {
    // Not JSON: the layout is told by the files alone.
  }
  const keys = Object.keys(annotations);
  // Podman's spec carries CRI-O annotations too; its manager annotation tells them apart.
  if (annotations["io.container.manager"] === "libpod") return "podman";
  if (keys.some((k) => k === "io.kubernetes.cri-o.ContainerID" || k === "io.kubernetes.cri-o.Annotations"))
    return "cri-o";
  if (keys.some((k) => k.startsWith("io.kubernetes.cri.")) || members.has("container.dump")) return "containerd";
  if (members.has("config.dump")) return "podman";
  return "plain";
}

/**
 * The image source of a set of members. The images folder is `checkpoint/`
 * (Podman, CRI-O, containerd), else the one dump that no other dump's
 * `parent` names, else (no inventory anywhere) the folder with the most
 * CRIU images. Parent dumps in the members become `parent` sources.
 */
export function sourceFromMembers(members: ReadonlyMap<string, SourceMember>, options: MembersOptions): ImageSource {
  const { label, type } = options;
  const fail = options.fail ?? ((what: string) => new CriuImageError("NOT_CHECKPOINT", label, 0, what));
  // Folders holding an inventory are dumps; a chain's `parent` links name which is the last.
  const dumps = new Set([...members.keys()].filter((p) => baseOf(p) === "inventory.img").map(dirOf));
  const parentOf = new Map<string, string>();
  for (const d of dumps) {
    const link = members.get(d ? `${d}/parent` : "parent");
    // A copy that lost the symlink keeps its target as a few bytes of text.
    const target = link?.link ?? textOf(link, 4096)?.trim();
    if (target !== undefined) parentOf.set(d, joinPath(d, target));
  }
  const parents = new Set(parentOf.values());
  const tips = [...dumps].filter((d) => !parents.has(d));
  let imagesDir: string;
  if (dumps.has("checkpoint")) imagesDir = "checkpoint";
  else if (tips.length === 1) imagesDir = tips[0] as string;
  else if (tips.length > 1)
    throw fail(`holds several checkpoints (${tips.map((t) => `${t || "."}/`).join(", ")}); extract it and name one`);
  else {
    // No inventory: a folder of images all the same (criu cpuinfo dump, a partial copy).
    const counts = new Map<string, number>();
    for (const p of members.keys())
      if (kindByFileName(baseOf(p))) counts.set(dirOf(p), (counts.get(dirOf(p)) ?? 0) + 1);
    const best = [...counts].sort((a, b) => b[1] - a[1])[0];
    if (!best) throw fail("holds no checkpoint: no CRIU image in it");
    imagesDir = best[0];
  }
  const where = type === "archive" ? "in the archive" : "among the files read";
  const build = (dir: string, seen: readonly string[]): ImageSource => {
    const files = new Map<string, SourceFile>();
    const companions = new Map<string, SourceFile>();
    const notes: SourceNote[] = [];
    for (const m of members.values()) {
      if (dirOf(m.path) === dir) {
        const base = baseOf(m.path);
        if (base === "parent") continue;
        if (m.type === "file" && m.file) files.set(base, m.file);
        else notes.push({ file: base, message: `a ${m.type} member, not a file` });
      } else if (seen.length === 0 && m.type === "file" && m.file && !dumps.has(dirOf(m.path)))
        companions.set(m.path, m.file);
    }
    const target = parentOf.get(dir);
    let parent: ImageSource | undefined;
    if (target !== undefined) {
      if (seen.includes(target) || target === dir) notes.push({ file: "parent", message: "parent links form a loop" });
      else if (dumps.has(target)) parent = build(target, [...seen, dir]);
      else
        notes.push({
          file: "parent",
          message: `parent leads to ${target || "."}/, which is not ${where}; pages kept in the parent dump cannot be read`,
        });
    }
    const inventory = members.get(dir ? `${dir}/inventory.img` : "inventory.img");
    return {
      label: dir && seen.length > 0 ? `${label}:${dir}` : label,
      type,
      files,
      companions,
      parent,
      parentLink: target,
      notes,
      ...(type === "archive"
        ? {
            archive: {
              compression: options.compression ?? "none",
              layout: layoutOf(members, dir),
              imagesDir: dir,
              ...(inventory?.mtime ? { dumpedAt: inventory.mtime.toISOString() } : {}),
            },
          }
        : {}),
    };
  };
  return build(imagesDir, []);
}
