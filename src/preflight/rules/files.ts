/**
 * Rules 1 and 2: every regular file the restore opens (fds, cwd and root,
 * FIFOs by path) and every file it maps (VMAs, the executable) must be
 * there and pass the check CRIU makes before it uses it: open_path and
 * validate_file in criu/files-reg.c compare size, then build-id (the
 * default --file-validation=buildid), then st_mode. Deleted files that
 * CRIU saved (ghosts) are recreated beside their path; link-remapped files
 * are restored from the saved link, which is a regular file entry itself.
 */
import type { Checkpoint } from "../../checkpoint/checkpoint.js";
import { fd_types, type reg_file_entry } from "../../gen/index.js";
import { fdinfoImageOf, fdRefs } from "../../inspect/fd-refs.js";
import { VMA } from "../../memory/map.js";
import { BUILD_ID_HEAD, compareBuildId } from "../build-id.js";
import type { PreflightContext } from "../context.js";
import { known } from "../host.js";
import { mountSkip, mountTable, rootNotNamed, unnamedRoot } from "../placement.js";
import { type Finding, READ_PATH, type RuleId, unchecked } from "../report.js";
import type { RuleRun } from "../rule.js";

/** A regular file entry and the image it is in. */
interface RegFile {
  entry: reg_file_entry;
  image: string;
}

/** Who uses a file: "pid 42 fd 3", "pid 42 maps 0x7f…", and whether any use is a mapping. */
interface Users {
  list: string[];
  mapped: boolean;
  /** A terminal's path, which CRIU recreates. */
  tty: boolean;
}

const REMAP_LINKED = 0;
const REMAP_GHOST = 1;
/** Dumps before remap_type kept the ghost flag in remap_id's top bit (criu/files-reg.c, REMAP_GHOST). */
const REMAP_GHOST_BIT = 0x80000000;

const hex = (n: number) => `0x${n.toString(16)}`;
const octal = (n: number) => `0${n.toString(8)}`;

function regFiles(ctx: PreflightContext): RegFile[] {
  const out: RegFile[] = [];
  for (const f of ctx.files(fd_types.REG)) if (f.reg) out.push({ entry: f.reg, image: "files.img" });
  for (const entry of ctx.cp.each("reg-files.img", "REG_FILES")) out.push({ entry, image: "reg-files.img" });
  return out;
}

/** Who uses each of the regular files `ids` (fds of other files, sockets by the million, are not kept). */
function fileUsers(ctx: PreflightContext, ids: ReadonlySet<number>): Map<number, Users> {
  const { cp } = ctx;
  const users = new Map<number, Users>();
  const add = (id: number, who: string, mapped = false, tty = false) => {
    if (!ids.has(id)) return;
    const u = users.get(id) ?? { list: [], mapped: false, tty: false };
    users.set(id, u);
    if (u.list.length < 4 && !tty) u.list.push(who);
    u.mapped ||= mapped;
    u.tty ||= tty;
  };
  // A terminal's path (its slave, /dev/pts/N) appears once CRIU has opened the master: not the host's to provide.
  for (const f of ctx.files(fd_types.TTY)) {
    if (f.tty?.regfId !== undefined) add(f.tty.regfId, "tty", false, true);
  }
  for (const t of cp.tasks()) {
    const pid = t.pid;
    const fdinfo = fdinfoImageOf(cp, pid);
    if (fdinfo) for (const e of fdRefs(cp, fdinfo)) add(e.id, `pid ${pid} fd ${e.fd}`);
    const fs = cp.has(`fs-${pid}.img`) ? cp.first(`fs-${pid}.img`, "FS") : undefined;
    if (fs) {
      add(fs.cwdId, `pid ${pid} cwd`);
      add(fs.rootId, `pid ${pid} root`);
    }
    const mm = cp.has(`mm-${pid}.img`) ? cp.first(`mm-${pid}.img`, "MM") : undefined;
    if (!mm) continue;
    add(mm.exeFileId, `pid ${pid} exe`, true);
    for (const v of mm.vmas) {
      if (v.status & VMA.MEMFD || !(v.status & (VMA.FILE_PRIVATE | VMA.FILE_SHARED))) continue;
      add(Number(v.shmid), `pid ${pid} maps ${hex(Number(v.start))}`, true);
    }
  }
  return users;
}

/** remap-fpath.img: file id → [type, remap id]. */
function remaps(cp: Checkpoint): Map<number, [type: number, remapId: number]> {
  const out = new Map<number, [number, number]>();
  for (const r of cp.each("remap-fpath.img", "REMAP_FPATH")) {
    if (Object.hasOwn(r, "remapType")) out.set(r.origId, [r.remapType ?? REMAP_LINKED, r.remapId]);
    else out.set(r.origId, [r.remapId & REMAP_GHOST_BIT ? REMAP_GHOST : REMAP_LINKED, r.remapId & ~REMAP_GHOST_BIT]);
  }
  return out;
}

/** Finds what keeps one file from opening on the host. */
async function checkFile(
  ctx: PreflightContext,
  rule: RuleId,
  f: RegFile,
  users: Users | undefined,
): Promise<Finding[]> {
  const e = f.entry;
  const path = e.name;
  // CRIU opens paths relative to the mount namespace root, "/" as "." (collect_one_regfile).
  const rel = path.replace(/^\//, "") || ".";
  const who = users?.list.length ? ` (${users.list.join(", ")}${users.list.length >= 4 ? ", …" : ""})` : "";
  const at = { rule, image: f.image, entry: `file id ${hex(e.id)}`, subject: path };
  const st = await ctx.host.stat(path);
  if (!known(st)) {
    return [unchecked(at, `cannot stat it: ${st.notKnown}`, READ_PATH)];
  }
  if (st === null) {
    return [
      {
        ...at,
        severity: "blocks",
        problem: `missing on this host${who}`,
        criuError: `Can't open file ${rel} on restore: No such file or directory`,
        fix: "Provide the file at this path under the restore's root (same content as at dump time).",
      },
    ];
  }
  if (Object.hasOwn(e, "size") && BigInt(st.size) !== BigInt(e.size ?? 0)) {
    return [
      {
        ...at,
        severity: "blocks",
        problem: `size ${st.size}, the checkpoint expects ${e.size}${who}`,
        criuError: `File ${rel} has bad size ${st.size} (expect ${e.size})`,
        fix: "Restore the file as it was at dump time (same version and content).",
      },
    ];
  }
  if (Object.hasOwn(e, "size") && e.buildId.length > 0) {
    const head = await ctx.host.head(path, Math.min(st.size, BUILD_ID_HEAD));
    if (!known(head)) {
      return [unchecked(at, `cannot read its build-id: ${head.notKnown}`, READ_PATH)];
    }
    if (compareBuildId(e.buildId, head) === "mismatch") {
      return [
        {
          ...at,
          severity: "blocks",
          problem: `a different build of this ELF file (build-id differs)${who}`,
          criuError: `File ${rel} has bad build-ID`,
          fix: "Install the same build the checkpoint was made with, or restore with --file-validation=filesize if sizes match.",
        },
      ];
    }
  }
  if (Object.hasOwn(e, "mode") && st.mode !== e.mode) {
    const rwxOnly = (st.mode & ~0o777) === ((e.mode ?? 0) & ~0o777);
    return [
      {
        ...at,
        severity: "blocks",
        problem: `mode ${octal(st.mode)}, the checkpoint expects ${octal(e.mode ?? 0)}${who}`,
        criuError: `File ${rel} has bad mode ${octal(st.mode)} (expect ${octal(e.mode ?? 0)})`,
        fix: rwxOnly
          ? `chmod ${octal((e.mode ?? 0) & 0o7777)} the file, or restore with --skip-file-rwx-check`
          : "The file's type differs: put back the file the checkpoint had.",
      },
    ];
  }
  return [];
}

/** Ghosts are recreated at <path>.cr.<remap id>.ghost with O_EXCL (mkreg_ghost): that name must be free. */
async function checkGhost(ctx: PreflightContext, rule: RuleId, f: RegFile, remapId: number): Promise<Finding[]> {
  const ghost = `${f.entry.name}.cr.${remapId.toString(16)}.ghost`;
  const st = await ctx.host.stat(ghost);
  const at = { rule, image: "remap-fpath.img", entry: `file id ${hex(f.entry.id)}`, subject: ghost };
  if (!known(st)) return [unchecked(at, `cannot stat it: ${st.notKnown}`, READ_PATH)];
  if (st === null) return [];
  return [
    {
      ...at,
      severity: "blocks",
      problem: `the name CRIU recreates the deleted file ${f.entry.name} under is taken (left by an earlier restore?)`,
      criuError: `Can't create ghost regfile: File exists`,
      fix: `Remove ${ghost}.`,
    },
  ];
}

/** The files rule (mapped = false) or the mappings rule (mapped = true). */
export function filesRule(mapped: boolean): (ctx: PreflightContext) => Promise<RuleRun> {
  const rule: RuleId = mapped ? "mappings" : "files";
  return async (ctx) => {
    const { cp } = ctx;
    const unnamed = unnamedRoot(ctx);
    if (unnamed) return { findings: [rootNotNamed(rule, unnamed)], checked: 0 };
    const files = regFiles(ctx);
    const users = fileUsers(ctx, new Set(files.map((f) => f.entry.id)));
    const remapped = remaps(cp);
    const byId = mountTable(cp);
    const findings: Finding[] = [];
    const skipped = new Map<string, number>();
    let checked = 0;
    for (const f of files) {
      const u = users.get(f.entry.id);
      if ((u?.mapped ?? false) !== mapped || u?.tty || f.entry.ext) continue;
      const remap = remapped.get(f.entry.id);
      if (remap && remap[0] !== REMAP_GHOST) continue;
      const skip = mountSkip(Object.hasOwn(f.entry, "mntId") ? f.entry.mntId : undefined, byId);
      if (skip) {
        skipped.set(skip, (skipped.get(skip) ?? 0) + 1);
        continue;
      }
      checked++;
      findings.push(...(remap ? await checkGhost(ctx, rule, f, remap[1]) : await checkFile(ctx, rule, f, u)));
    }
    const note = [...skipped].map(([why, n]) => `${n} file${n === 1 ? "" : "s"} ${why}`).join("; ");
    return { findings, checked, ...(note ? { note } : {}) };
  };
}
