/**
 * A checkpoint folder as an image source. Reading never writes: a pending
 * journal (an interrupted rewrite) is reported in a note and its committed
 * state is what is read, and temporary files are passed over.
 */
import { lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { JOURNAL_NAME } from "../archive/index.js";
import { layoutOf, type SourceMember } from "../checkpoint/members.js";
import type { ImageSource, SourceFile, SourceNote } from "../checkpoint/source.js";
import { FileError, fileError } from "./errors.js";
import { ENGINE_FILES, isBookkeeping, readJournal } from "./journal.js";
import { plainBytes, readRange } from "./read-range.js";

const PARENT = "parent";

// A class, not closures: a folder can hold a million files, and a closure pair costs each of them a context.
class FileAt implements SourceFile {
  constructor(
    private readonly path: string,
    readonly size: number,
  ) {}

  bytes(): Uint8Array {
    try {
      return plainBytes(readFileSync(this.path));
    } catch (e) {
      throw fileError(e, this.path, "cannot read");
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    try {
      return readRange(this.path, this.size, offset, length);
    } catch (e) {
      throw fileError(e, this.path, "cannot read");
    }
  }
}

/** Where `parent` leads: a link to a folder, or (copies that lost the link) a small file holding the path. */
function parentTarget(dir: string): { target: string; written: string } | { error: string; written?: string } {
  const p = join(dir, PARENT);
  let written: string;
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) written = readlinkSync(p);
    else if (st.isDirectory()) return { target: p, written: PARENT };
    else if (st.isFile() && st.size > 0 && st.size < 4096) written = readFileSync(p, "utf8").trim();
    else return { error: "parent is neither a link nor a folder" };
  } catch (e) {
    return { error: (fileError(e, p) as Error).message };
  }
  const target = isAbsolute(written) ? written : resolve(dir, written);
  try {
    if (!statSync(target).isDirectory()) return { error: `parent leads to ${written}, which is not a folder`, written };
  } catch {
    return { error: `parent leads to ${written}, which does not exist`, written };
  }
  return { target, written };
}

/** Options of `openFolderSource`. */
export interface FolderOptions {
  /** Folders already on the chain, to refuse a loop of parent links. */
  chain?: string[];
  /** The folder is an extracted export's images folder (its journal may name the metadata beside it). */
  beside?: boolean;
}

/**
 * The images folder of an extracted export (`tar -x` of a Podman, CRI-O or
 * containerd archive): `checkpoint/` with its inventory, engine files
 * beside it. Undefined for any other folder.
 */
export function exportImagesDir(dir: string): string | undefined {
  const images = join(dir, "checkpoint");
  try {
    if (!statSync(join(images, "inventory.img")).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return ENGINE_FILES.some((f) => {
    try {
      return lstatSync(join(dir, f)).isFile();
    } catch {
      return false;
    }
  })
    ? images
    : undefined;
}

/**
 * An extracted export as the archive it came from would be opened: the
 * images from checkpoint/, the engine's files beside it as companions.
 */
async function openExport(dir: string, images: string): Promise<ImageSource> {
  const inner = await openFolderSource(images, { chain: [], beside: true });
  // A committed but unfinished rewrite of the metadata too: its new files are what counts.
  const pending = new Map<string, string>();
  try {
    for (const [tmp, final] of (await readJournal(images, { beside: true })) ?? [])
      if (final.startsWith("../")) pending.set(final.slice(3), join(images, tmp));
  } catch {
    // Reported by the images folder's reading.
  }
  const companions = new Map<string, SourceFile>();
  const members = new Map<string, SourceMember>();
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (!d.isFile() || isBookkeeping(d.name)) continue;
    const fresh = pending.get(d.name);
    const at = fresh && lstatSync(fresh, { throwIfNoEntry: false })?.isFile() ? fresh : join(dir, d.name);
    const f = new FileAt(at, lstatSync(at).size);
    companions.set(d.name, f);
    members.set(d.name, { path: d.name, type: "file", size: f.size, file: f });
  }
  const inventory = statSync(join(images, "inventory.img"));
  return {
    ...inner,
    label: dir,
    companions,
    archive: {
      compression: "none",
      layout: layoutOf(members, "checkpoint"),
      imagesDir: "checkpoint",
      dumpedAt: inventory.mtime.toISOString(),
    },
  };
}

/**
 * Opens a checkpoint folder as an image source (files are read when asked
 * for). An extracted export (checkpoint/ and the engine's files) opens as
 * its archive would.
 */
export async function openFolderSource(dir: string, options: FolderOptions = {}): Promise<ImageSource> {
  if (options.chain === undefined) {
    const images = exportImagesDir(dir);
    if (images) return openExport(dir, images);
  }
  let entries: import("node:fs").Dirent[];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new FileError("NOT_CHECKPOINT", dir, "not a folder");
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fileError(e, dir, "cannot read the checkpoint folder");
  }
  const notes: SourceNote[] = [];
  const files = new Map<string, SourceFile>();
  let journal: [string, string][] | undefined;
  try {
    journal = await readJournal(dir, { beside: options.beside === true });
  } catch (e) {
    notes.push({ file: JOURNAL_NAME, message: `${(e as Error).message}; it was ignored` });
  }
  const pending = new Map((journal ?? []).map(([tmp, final]) => [final, tmp]));
  const present = new Set(entries.map((d) => d.name));
  for (const d of entries) {
    if (isBookkeeping(d.name) || d.name === PARENT) continue;
    const path = join(dir, d.name);
    let st: import("node:fs").Stats;
    try {
      st = d.isSymbolicLink() ? statSync(path) : lstatSync(path);
    } catch {
      notes.push({ file: d.name, message: "a symbolic link that leads nowhere" });
      continue;
    }
    if (!st.isFile()) {
      notes.push({
        file: d.name,
        message: st.isDirectory() ? "a folder inside the images folder" : "not a regular file",
      });
      continue;
    }
    // A committed but unfinished rewrite: its new file is what counts.
    const tmp = pending.get(d.name);
    if (tmp !== undefined && present.has(tmp)) {
      const tp = join(dir, tmp);
      files.set(d.name, new FileAt(tp, statSync(tp).size));
    } else files.set(d.name, new FileAt(path, st.size));
  }
  if (journal) {
    notes.push({
      file: JOURNAL_NAME,
      message: `an interrupted rewrite is pending; its committed state was read. Run criu-image recover ${dir} to finish it`,
    });
  }
  let parent: ImageSource | undefined;
  let parentLink: string | undefined;
  if (present.has(PARENT)) {
    const t = parentTarget(dir);
    parentLink = t.written;
    if ("error" in t) notes.push({ file: PARENT, message: `${t.error}; pages kept in the parent dump cannot be read` });
    else {
      const chain = [...(options.chain ?? []), resolve(dir)];
      if (chain.includes(resolve(t.target))) notes.push({ file: PARENT, message: "parent links form a loop" });
      else parent = await openFolderSource(t.target, { chain });
    }
  }
  return { label: dir, type: "folder", files, companions: new Map(), parent, parentLink, notes };
}
