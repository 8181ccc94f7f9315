/**
 * Rule 5: unix sockets bound to a path. CRIU first removes a socket file
 * left at the path (criu/sk-unix.c, unlink_sk: sockets only, never other
 * files), then binds again (bind_unix_sk): a file of another type there, or
 * a missing directory, fails the bind. Sockets whose file was deleted are
 * rebound on a temporary name and need nothing (bind_on_deleted);
 * connected stream sockets and external ones are not bound by CRIU.
 */
import { fd_types, type unix_sk_entry } from "../../gen/index.js";
import { decodeUtf8Lossless } from "../../image/text-codec.js";
import type { PreflightContext } from "../context.js";
import { known } from "../host.js";
import { mountSkip, mountTable, rootNotNamed, unnamedRoot } from "../placement.js";
import { type Finding, READ_PATH, unchecked } from "../report.js";
import type { RuleRun } from "../rule.js";

const USK_EXTERN = 1;
const SOCK_DGRAM = 2;
const TCP_ESTABLISHED = 1;
const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;

/** Every unix socket entry, in files.img or the legacy unixsk.img. */
export function unixEntries(ctx: PreflightContext): [entry: unix_sk_entry, image: string][] {
  const out: [unix_sk_entry, string][] = [];
  for (const f of ctx.files(fd_types.UNIXSK)) if (f.usk) out.push([f.usk, "files.img"]);
  for (const e of ctx.cp.each("unixsk.img", "UNIXSK")) out.push([e, "unixsk.img"]);
  return out;
}

const parentOf = (p: string) => p.slice(0, Math.max(p.lastIndexOf("/"), 0)) || "/";

/** The unix socket rule. */
export async function unixRule(ctx: PreflightContext): Promise<RuleRun> {
  const unnamed = unnamedRoot(ctx);
  if (unnamed) return { findings: [rootNotNamed("unix", unnamed)], checked: 0 };
  const byId = mountTable(ctx.cp);
  const findings: Finding[] = [];
  const skipped = new Map<string, number>();
  let checked = 0;
  for (const [e, image] of unixEntries(ctx)) {
    if (e.name.length === 0 || e.name[0] === 0 || e.uflags & USK_EXTERN || e.deleted) continue;
    if (e.type !== SOCK_DGRAM && e.state === TCP_ESTABLISHED) continue;
    const skip = mountSkip(Object.hasOwn(e, "mntId") ? e.mntId : undefined, byId);
    if (skip) {
      skipped.set(skip, (skipped.get(skip) ?? 0) + 1);
      continue;
    }
    // bind() may pass bytes after the path's NUL (CRIU saves the whole sun_path); the kernel's path ends at the NUL.
    const text = decodeUtf8Lossless(e.name);
    const nul = text.indexOf("\0");
    const name = nul < 0 ? text : text.slice(0, nul);
    const path = name.startsWith("/") ? name : `${e.nameDir ? `/${e.nameDir.replace(/^\/|\/$/g, "")}` : ""}/${name}`;
    const at = { rule: "unix" as const, image, entry: `socket id 0x${e.id.toString(16)}`, subject: path };
    const criu = (why: string) => `unix: Can't bind id 0x${e.id.toString(16)} ino ${e.ino} addr ${name}: ${why}`;
    checked++;
    const st = await ctx.host.stat(path);
    if (!known(st)) {
      findings.push(unchecked(at, `cannot stat it: ${st.notKnown}`, READ_PATH));
      continue;
    }
    if (st === null) {
      const dir = await ctx.host.stat(parentOf(path));
      if (!known(dir)) {
        findings.push(unchecked(at, `cannot stat its directory: ${dir.notKnown}`, READ_PATH));
      } else if (dir === null) {
        findings.push({
          ...at,
          severity: "blocks",
          problem: `its directory ${parentOf(path)} does not exist`,
          criuError: criu("No such file or directory"),
          fix: `Create ${parentOf(path)} before the restore.`,
        });
      }
      continue;
    }
    if ((st.mode & S_IFMT) !== S_IFSOCK) {
      findings.push({
        ...at,
        severity: "blocks",
        problem: "a file that is not a socket is in the way (CRIU only removes stale socket files)",
        criuError: criu("Address already in use"),
        fix: `Remove or move ${path}.`,
      });
      continue;
    }
    findings.push({
      ...at,
      severity: "warns",
      problem:
        "a socket file is there: CRIU removes it and binds anew, taking the name from whatever listens on it now",
      criuError: "",
      fix: `Make sure nothing on this host uses ${path}.`,
    });
  }
  const note = [...skipped].map(([why, n]) => `${n} socket${n === 1 ? "" : "s"} ${why}`).join("; ");
  return { findings, checked, ...(note ? { note } : {}) };
}
