/**
 * Writing a rewritten checkpoint: in place (a folder, under its lock,
 * all-or-nothing), into a new folder, or into a new archive. Every writer
 * of a checkpoint goes through here.
 */
import { constants, createReadStream, lstatSync, statSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { pack } from "tar-stream";
import { compressionForName } from "../archive/index.js";
import { Checkpoint } from "../checkpoint/checkpoint.js";
import type { DiffReport } from "../diff/diff.js";
import { editCheckpoint } from "../edit/edit.js";
import { type Redaction, type RedactOptions, redactCheckpoint } from "../edit/redact.js";
import type { EditSession } from "../edit/session.js";
import { peersElsewhere, type RewriteRule, rewriteTogether } from "../tcp/index.js";
import { type RewriteOptions, type RewriteReport, rewriteConnections } from "../tcp/rewrite.js";
import { eachMember, rewrittenArchive } from "./archive.js";
import { writeFileAtomic } from "./atomic.js";
import { compressed } from "./compress.js";
import { FileError, fileError } from "./errors.js";
import { exportImagesDir, openFolderSource } from "./folder.js";
import { fsOps, O_NOFOLLOW } from "./fs-ops.js";
import { recoverLocked, replaceFilesLocked } from "./journal.js";
import { type LockOptions, withCheckpointLock } from "./lock.js";
import { openCheckpoint, pagesForRandomAccess, pathKind } from "./open.js";
import { OutputDir } from "./out-dir.js";

/** Options of `rewriteCheckpointDir`. */
export interface RewriteDirOptions extends RewriteOptions, LockOptions {
  /** Work out and report the changes, write nothing. */
  dryRun?: boolean;
  /** Write the rewritten checkpoint here (a new folder, or an archive by its name) and leave the input alone. */
  outDir?: string;
  /** Told what recovery of an earlier interrupted write did (in-place writes only). */
  onRecover?: (done: string[]) => void;
  /** Archives with unsafe members (escaping names, links out, devices, …): leave them out instead of refusing. */
  dropUnsafe?: boolean;
}

/** What `rewriteCheckpointDir` changed and wrote. */
export interface RewriteDirResult {
  report: RewriteReport;
  /** Files written (none for a dry run). */
  written: string[];
  /** Unsafe archive members left out of the output (with dropUnsafe), as "name: reason". */
  leftOut: string[];
}

/** Refuses an archive with unsafe members, unless they are to be left out; returns their indexes. */
function unsafeMembers(cp: Checkpoint, path: string, drop: boolean | undefined): Set<number> {
  const unsafe = cp.source.unsafe ?? [];
  if (unsafe.length === 0) return new Set();
  if (!drop) {
    const u = unsafe[0] as { name: string; reason: string };
    throw new FileError(
      "UNSAFE",
      path,
      `has ${unsafe.length} unsafe member(s) (first: ${JSON.stringify(u.name)}, ${u.reason}); nothing was written. --drop-unsafe leaves them out`,
    );
  }
  return new Set(unsafe.map((u) => u.index));
}

/**
 * Writes `cp` with `changed` replaced into a new folder: every regular file
 * of the images folder, with its mode (and the folder's), and `parent` as a
 * link to the same dump. A link among a folder's files is never followed:
 * it is left out and named in `leftOut`.
 */
export async function writeCheckpointFolder(
  out: string,
  cp: Checkpoint,
  changed: ReadonlyMap<string, Uint8Array>,
): Promise<{ written: string[]; leftOut: string[] }> {
  const from = cp.source.type === "folder" ? join(cp.label, cp.source.archive?.imagesDir ?? "") : undefined;
  const leftOut: string[] = [];
  const written = await OutputDir.build(
    out,
    async (dir) => {
      for (const [name, f] of cp.source.files) {
        const bytes = changed.get(name);
        if (bytes) await dir.write(name, bytes, from ? modeOf(join(from, name)) : 0o644);
        else if (from) {
          if (!lstatSync(join(from, name)).isFile()) {
            leftOut.push(`${name}: a symbolic link or special file, not copied (only regular files are)`);
            continue;
          }
          await dir.copy(name, join(from, name));
        } else await dir.write(name, f.bytes());
      }
      if (cp.source.type === "folder" && cp.source.parent) await dir.link("parent", resolve(cp.source.parent.label));
      return [...changed.keys()].map((n) => join(out, n));
    },
    from ? statSync(from).mode & 0o777 : undefined,
  );
  return { written, leftOut };
}

/**
 * Writes a folder's checkpoint as an archive (compression by `out`'s name):
 * the regular files of the images folder, never through a link, with the
 * changed ones replaced. An extracted export becomes the archive it came
 * from again: its engine files at the top (with `metadata` replaced),
 * the images under checkpoint/. Returns what was left out (links).
 */
export async function writeArchiveFromFolder(
  cp: Checkpoint,
  out: string,
  changed: ReadonlyMap<string, Uint8Array>,
  metadata: ReadonlyMap<string, Uint8Array> = new Map(),
): Promise<string[]> {
  const compression = compressionForName(out) ?? "none";
  const exported = cp.source.archive?.imagesDir === "checkpoint";
  const images = join(cp.label, exported ? "checkpoint" : "");
  const leftOut: string[] = [];
  const members: { name: string; from: string; replace?: Uint8Array }[] = [];
  if (exported)
    for (const name of cp.source.companions.keys())
      members.push({ name, from: join(cp.label, name), replace: metadata.get(name) });
  for (const name of cp.source.files.keys())
    members.push({
      name: exported ? `checkpoint/${name}` : name,
      from: join(images, name),
      replace: changed.get(name),
    });
  const p = pack();
  const done = (async () => {
    for (const m of members) {
      // Never through a link: a link planted among the files would archive whatever it points at.
      const h = await fsOps.open(m.from, constants.O_RDONLY | O_NOFOLLOW).catch((e) => {
        if ((e as NodeJS.ErrnoException).code === "ELOOP") return undefined;
        throw fileError(e, m.from, "cannot read");
      });
      if (!h) {
        leftOut.push(`${m.name}: a symbolic link, not archived (only regular files are)`);
        continue;
      }
      try {
        const st = await h.stat();
        if (!st.isFile()) {
          leftOut.push(`${m.name}: not a regular file, not archived`);
          continue;
        }
        const header = { name: m.name, mode: st.mode & 0o7777, mtime: st.mtime };
        const next = m.replace;
        if (next)
          await new Promise<void>((res, rej) =>
            p.entry({ ...header, size: next.length }, Buffer.from(next), (e) => (e ? rej(e) : res())),
          );
        // Big files (pages) stream through.
        else
          await new Promise<void>((res, rej) => {
            const sink = p.entry({ ...header, size: st.size }, (e) => (e ? rej(e) : res()));
            h.createReadStream({ autoClose: false, start: 0 }).on("error", rej).pipe(sink);
          });
      } finally {
        await fsOps.close(h);
      }
    }
    p.finalize();
  })();
  done.catch((e) => p.destroy(e));
  // Private, as engines write their exports: it holds the processes' memory.
  await writeFileAtomic(out, compressed(p as unknown as AsyncIterable<Uint8Array>, compression), { mode: 0o600 });
  await done;
  return leftOut;
}

/** A source file's permission bits, or 0644 when it cannot be read (a link: it is not followed). */
function modeOf(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st?.isFile() ? st.mode & 0o777 : 0o644;
}

/** Writes a new archive from `input` (a path) with the changed images replaced; compression by `out`'s name. */
export async function writeCheckpointArchive(
  input: string,
  imagesDir: string,
  out: string,
  changed: ReadonlyMap<string, Uint8Array>,
  leaveOut: ReadonlySet<number> = new Set(),
  metadata: ReadonlyMap<string, Uint8Array> = new Map(),
): Promise<void> {
  const compression = compressionForName(out);
  if (compression === undefined)
    throw new FileError("INVALID", out, "not an archive name (.tar, .tar.gz, .tgz, .tar.zst)");
  const input$ = createReadStream(input, { highWaterMark: 1 << 20 });
  const stream = rewrittenArchive(input$, imagesDir, changed, compression, leaveOut, metadata);
  // The source archive's permissions: a private (0600) export stays private.
  await writeFileAtomic(out, stream, { mode: modeOf(input) });
}

/**
 * Writes the images folder of an archive (a path) into a new folder, in a
 * second streaming pass, with the changed images replaced. Only regular
 * files directly in the images folder are written, and no link is made.
 */
export async function writeFolderFromArchive(
  input: string,
  imagesDir: string,
  out: string,
  changed: ReadonlyMap<string, Uint8Array>,
  leaveOut: ReadonlySet<number> = new Set(),
): Promise<string[]> {
  const prefix = imagesDir ? `${imagesDir}/` : "";
  let index = 0;
  // A name met again is the same bytes (a duplicate with other bytes is unsafe and left out): written once.
  const written = new Set<string>();
  return OutputDir.build(out, async (dir) => {
    await eachMember(createReadStream(input, { highWaterMark: 1 << 20 }), async (h, body) => {
      if (leaveOut.has(index++)) {
        for await (const _ of body);
        return;
      }
      const name = h.name
        .split("/")
        .filter((p) => p !== "" && p !== ".")
        .join("/");
      const base = name.startsWith(prefix) ? name.slice(prefix.length) : "";
      const type = h.type ?? "file";
      if (
        base === "" ||
        base.includes("/") ||
        base === ".." ||
        written.has(base) ||
        (type !== "file" && type !== "contiguous-file")
      ) {
        for await (const _ of body);
        return;
      }
      written.add(base);
      const next = changed.get(base);
      if (next) {
        for await (const _ of body);
        await dir.write(base, next);
      } else await dir.write(base, body);
    });
    return [...changed.keys()].map((n) => join(out, n));
  });
}

/**
 * rewriteConnections over a checkpoint on disk. In place (a folder only),
 * under the folder's lock, after finishing any interrupted write, the
 * changed images are replaced all-or-nothing. With `outDir`, the input is
 * only read and the result goes to a new folder, or to an archive when the
 * name ends in .tar, .tar.gz, .tgz or .tar.zst. pages-* are never decoded.
 */
export interface EditDirOptions extends LockOptions {
  /** Work out and report the changes, write nothing. */
  dryRun?: boolean;
  /** Write the result here (a new folder, or an archive by its name) and leave the input alone. */
  outDir?: string;
  /** Told what recovery of an earlier interrupted write did (in-place writes only). */
  onRecover?: (done: string[]) => void;
  /** Archives with unsafe members: leave them out instead of refusing. */
  dropUnsafe?: boolean;
  /** Archives: keep the pages files (in memory, or spooled when big), for edits of memory. */
  pages?: boolean;
}

/** What a change of a checkpoint produces: new images, new engine metadata files (by path beside the images). */
export interface Produced<R> {
  /** The new bytes of each changed image. */
  changed: ReadonlyMap<string, Uint8Array>;
  /** The new bytes of each changed engine metadata file (config.dump, network.status, …). */
  metadata?: ReadonlyMap<string, Uint8Array>;
  /** What the change reports (returned by applyToCheckpoint as it is). */
  result: R;
}

/**
 * Applies a change to a checkpoint on disk: `produce` gets the checkpoint
 * and returns the changed images (and engine metadata). In place (folders only), under the
 * folder's lock and after finishing any interrupted write, they replace
 * the old ones all-or-nothing; with `outDir`, the input is only read and
 * the result goes to a new folder or an archive (by its name). `-` (an
 * archive on stdin) takes a dry run only. Every writer of a checkpoint goes
 * through here.
 */
export async function applyToCheckpoint<R>(
  path: string,
  produce: (cp: Checkpoint) => Promise<Produced<R>>,
  options: EditDirOptions = {},
): Promise<{ result: R; written: string[]; leftOut: string[] }> {
  // "-" is an archive on stdin, read (never written) as openCheckpoint reads it.
  const kind = path === "-" ? "archive" : await pathKind(path);
  const readOnly = options.dryRun || options.outDir !== undefined;
  if (kind === "folder" && !readOnly) {
    // An extracted export is locked as a whole; its images are replaced in checkpoint/ and its metadata beside
    // it, in one commit (the journal of checkpoint/ may name ../network.status).
    const exported = exportImagesDir(path);
    const images = exported ?? path;
    const beside = { beside: exported !== undefined };
    return withCheckpointLock(
      path,
      async () => {
        const done = await recoverLocked(images, beside);
        if (done.length > 0) options.onRecover?.(done);
        const cp = new Checkpoint(await openFolderSource(path));
        const { changed, metadata, result } = await produce(cp);
        const all = new Map(changed);
        if (exported) for (const [name, bytes] of metadata ?? []) all.set(`../${name}`, bytes);
        if (all.size > 0) await replaceFilesLocked(images, all, beside);
        return { result, written: [...all.keys()].map((n) => join(images, n)), leftOut: [] };
      },
      options,
    );
  }
  // Writing an archive reads its input twice (the changed members, then every member in order).
  if (path === "-" && !options.dryRun) {
    throw new FileError(
      "INVALID",
      path,
      "stdin is read once; give the archive's path to write a new one (or --dry-run)",
    );
  }
  if (kind !== "folder" && !readOnly) {
    throw new FileError("INVALID", path, "an archive is not rewritten in place; give an output (--out) or a dry run");
  }
  const cp = await openCheckpoint(path, options.pages ? { pages: pagesForRandomAccess } : {});
  const { changed, metadata, result } = await produce(cp);
  if (options.dryRun) return { result, written: [], leftOut: [] };
  const out = options.outDir as string;
  const leaveOut = unsafeMembers(cp, path, options.dropUnsafe);
  const leftOut = (cp.source.unsafe ?? []).map((u) => `${u.name}: ${u.reason}`);
  const imagesDir = cp.source.archive?.imagesDir ?? "";
  if (compressionForName(out) !== undefined) {
    if (cp.source.type !== "archive") {
      const skipped = await writeArchiveFromFolder(cp, out, changed, metadata);
      return { result, written: [out], leftOut: [...leftOut, ...skipped] };
    }
    await writeCheckpointArchive(path, imagesDir, out, changed, leaveOut, metadata);
    return { result, written: [out], leftOut };
  }
  if (cp.source.type === "archive") {
    return { result, written: await writeFolderFromArchive(path, imagesDir, out, changed, leaveOut), leftOut };
  }
  const folder = await writeCheckpointFolder(out, cp, changed);
  return { result, written: folder.written, leftOut: [...leftOut, ...folder.leftOut] };
}

/** rewriteConnections over a checkpoint on disk (see applyToCheckpoint). pages-* are never read. */
export async function rewriteCheckpointDir(
  path: string,
  rules: readonly RewriteRule[],
  options: RewriteDirOptions = {},
): Promise<RewriteDirResult> {
  const r = await applyToCheckpoint(
    path,
    async (cp) => {
      const { changed, changedMetadata, report } = rewriteConnections(cp, rules, options);
      return { changed, metadata: changedMetadata, result: report };
    },
    options,
  );
  return { report: r.result, written: r.written, leftOut: r.leftOut };
}

/** Options of `rewriteCheckpointsTogether`: those of one checkpoint, with one output folder for all. */
export interface RewriteTogetherOptions extends Omit<RewriteDirOptions, "outDir"> {
  /** Write each rewritten checkpoint into this folder, under its input's base name; the inputs are left alone. */
  outDir?: string;
}

/**
 * rewriteTogether over checkpoints on disk: the same rules move them as one
 * (see criu-image/tcp). Everything is checked before anything is written;
 * then each is written as rewriteCheckpointDir writes one (in place under
 * its lock, or into `outDir` under its base name).
 */
export async function rewriteCheckpointsTogether(
  paths: readonly string[],
  rules: readonly RewriteRule[],
  options: RewriteTogetherOptions = {},
): Promise<(RewriteDirResult & { path: string })[]> {
  const names = paths.map((p) => basename(resolve(p)));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (options.outDir !== undefined && twice !== undefined)
    throw new FileError("INVALID", twice, "two checkpoints of this name would be written to the same output");
  const cps = await Promise.all(paths.map((p) => openCheckpoint(p)));
  // Refusals (a rule that matches nowhere, a pair that would disagree) come before any write.
  const planned = rewriteTogether(cps, rules, options);
  if (options.outDir !== undefined && !options.dryRun) await mkdir(options.outDir, { recursive: true });
  const unmatched = planned[0]?.report.unmatchedRules ?? [];
  const elsewhere = peersElsewhere(cps);
  const out: (RewriteDirResult & { path: string })[] = [];
  for (const [i, path] of paths.entries()) {
    const r = await rewriteCheckpointDir(path, rules, {
      ...options,
      allowUnmatched: true,
      peersElsewhere: elsewhere[i],
      outDir: options.outDir === undefined ? undefined : join(options.outDir, names[i] as string),
    });
    r.report.unmatchedRules = unmatched;
    out.push({ path, ...r });
  }
  return out;
}

/** editCheckpoint over a checkpoint on disk (see applyToCheckpoint); a failed edit writes nothing. */
export async function editCheckpointDir(
  path: string,
  edit: (e: EditSession) => void | Promise<void>,
  options: EditDirOptions = {},
): Promise<{ report: DiffReport; written: string[]; leftOut: string[] }> {
  const r = await applyToCheckpoint(
    path,
    async (cp) => {
      const { changed, changedMetadata, report } = await editCheckpoint(cp, edit);
      return { changed, metadata: changedMetadata, result: report };
    },
    { pages: true, ...options },
  );
  return { report: r.result, written: r.written, leftOut: r.leftOut };
}

/** redactCheckpoint over a checkpoint on disk (see applyToCheckpoint); engine metadata is written with the images. */
export async function redactCheckpointDir(
  path: string,
  redaction: RedactOptions,
  options: EditDirOptions = {},
): Promise<{ redactions: Redaction[]; notSearched: string[]; files: string[]; written: string[]; leftOut: string[] }> {
  const r = await applyToCheckpoint(
    path,
    async (cp) => {
      const { changed, changedMetadata, redactions, notSearched } = await redactCheckpoint(cp, redaction);
      const files = [...changed.keys(), ...changedMetadata.keys()];
      return { changed, metadata: changedMetadata, result: { redactions, notSearched, files } };
    },
    { pages: true, ...options },
  );
  return { ...r.result, written: r.written, leftOut: r.leftOut };
}

/** Finishes or undoes an interrupted write of a checkpoint folder, under its lock; returns what it did. */
export async function recoverCheckpointDir(dir: string, options: LockOptions = {}): Promise<string[]> {
  await readdir(dir).catch((e) => {
    throw new FileError("IO", dir, `cannot read the folder (${(e as NodeJS.ErrnoException).code})`);
  });
  // An extracted export: its journal is in checkpoint/ and may name the metadata beside it.
  const exported = exportImagesDir(dir);
  return withCheckpointLock(
    dir,
    async () =>
      exported
        ? [...(await recoverLocked(exported, { beside: true })), ...(await recoverLocked(dir))]
        : recoverLocked(dir),
    options,
  );
}
