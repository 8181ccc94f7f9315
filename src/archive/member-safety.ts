/**
 * Checkpoint archives are untrusted input. Each member is judged by its
 * header before anything is kept: a name that is absolute, climbs out with
 * "..", holds control characters or is not UTF-8; a link whose target
 * leaves the archive; a device node or FIFO; a second member of a name
 * already seen, with other contents; a GNU sparse or multi-volume member
 * (its body is not the file's bytes); one of criu-image's own bookkeeping
 * files; a name longer than any file system takes. Readers report these;
 * writers refuse them unless told to leave them out.
 */
import { resolveInArchive } from "./paths.js";
import { isBookkeeping } from "./reserved.js";
import type { TarHeader } from "./tar.js";

/** PATH_MAX: no file system takes a longer path, so no honest archive has one. */
const NAME_MAX = 4096;

/** A member's name for messages: a hostile one can be a megabyte long. */
export function clipName(name: string, max = 200): string {
  return name.length <= max ? name : `${name.slice(0, max)}… (${name.length} characters)`;
}

/** An archive member that is never read, and why. */
export interface UnsafeMember {
  /** The member's name as the archive gives it. */
  name: string;
  /** Its position in the archive (0 first), so a second pass can leave out exactly it. */
  index: number;
  reason: string;
}

/**
 * Why a member is unsafe, or undefined, from its header. `seen` holds the
 * sizes of earlier regular members by normal name; a reader that also
 * hashes their bytes tells a same-size duplicate with other bytes apart.
 */
export function unsafeReason(h: TarHeader, seen: ReadonlyMap<string, { size: number }>): string | undefined {
  const name = h.name;
  if (name.length > NAME_MAX) return `a name of ${name.length} characters (at most ${NAME_MAX})`;
  if (name.startsWith("/")) return "an absolute path";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "control characters in its name";
  if (name.includes("\ufffd")) return "a name that is not UTF-8";
  if (name.split("/").includes("..")) return 'a ".." component';
  const norm = (resolveInArchive(name) as string[]).join("/");
  const type = h.type ?? "file";
  if (type === "symlink" || type === "link") {
    const what = type === "link" ? "hard " : "symbolic ";
    const target = h.linkname ?? "";
    if (target.startsWith("/")) return `a ${what}link to the absolute path ${target}`;
    // A hard link names a member from the top; a symbolic link is relative to its own folder.
    const from = type === "link" ? "" : norm.split("/").slice(0, -1).join("/");
    if (resolveInArchive(target, from) === undefined) return `a ${what}link out of the archive (to ${target})`;
  }
  if (isBookkeeping(norm.slice(norm.lastIndexOf("/") + 1)))
    return "the name of one of criu-image's own bookkeeping files (journal, lock or temporary file)";
  if (type === "gnu-sparse") return "a GNU sparse file (its body is a map and pieces, not the file's bytes)";
  if (type === "gnu-multivolume") return "a piece of a multi-volume archive (not the whole file)";
  if (type === "character-device" || type === "block-device") return "a device node";
  if (type === "fifo") return "a FIFO";
  if (type === "file" || type === "contiguous-file") {
    const before = seen.get(norm);
    if (before && before.size !== (h.size ?? 0)) return "a second member of this name, with other contents";
  }
  return undefined;
}
