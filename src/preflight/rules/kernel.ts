/**
 * Rule 7: the kernel. The namespaces the checkpoint brings must exist in
 * this kernel (CRIU clones them: criu/cr-restore.c, criu/timens.c "Unable
 * to create a new time namespace"), and files of newer kinds need the
 * system calls CRIU recreates them with: memfd_create (Linux 3.17) and
 * pidfd_open (Linux 5.3). A dump made with --lazy-pages leaves pages out
 * of the images: its restore needs --lazy-pages, a page server, and
 * userfaultfd here (criu/uffd.c). (Every dump marks anonymous pages lazy;
 * only pages not present in the images make --lazy-pages necessary.)
 */
import type { Checkpoint } from "../../checkpoint/checkpoint.js";
import { fd_types } from "../../gen/index.js";
import { PE_LAZY, PE_PARENT, PE_PRESENT } from "../../image/pagemap.js";
import { NS_KINDS, type PreflightContext } from "../context.js";
import { known } from "../host.js";
import { type Finding, READ_HOST, unchecked } from "../report.js";
import type { RuleRun } from "../rule.js";

/** File kinds and the kernel that first recreates them. */
const FILE_KERNELS: Record<string, [version: [number, number], call: string]> = {
  MEMFD: [[3, 17], "memfd_create"],
  PIDFD: [[5, 3], "pidfd_open"],
};

/** The leading "major.minor" of a kernel release ("6.1.0-50-amd64" → [6, 1]). */
export function kernelVersion(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The first pagemap that names pages the images do not hold: PE_LAZY
 * without PE_PRESENT, what `criu dump --lazy-pages` writes for the pages it
 * leaves to the page server (criu/page-xfer.c, ppb_xfer_flags). A plain
 * dump marks lazy pages present as well.
 */
function remotePages(cp: Checkpoint): string | undefined {
  for (const name of cp.names()) {
    if (!/^pagemap-\d+\.img$/.test(name)) continue;
    for (const e of cp.each(name, "PAGEMAP")) {
      const flags = (e as { flags?: number }).flags ?? 0;
      if (flags & PE_LAZY && !(flags & (PE_PRESENT | PE_PARENT))) return name;
    }
  }
  return undefined;
}

/** A memfd's name, from memfd.img (CRIU names it memfd:<name> in its error). */
function memfdName(cp: Checkpoint, inode: number | undefined): string {
  for (const e of cp.each("memfd.img", "MEMFD_INODE")) if (Number(e.inodeId) === inode) return e.name;
  return "";
}

const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** The kernel rule. */
export async function kernelRule(ctx: PreflightContext): Promise<RuleRun> {
  const { cp } = ctx;
  const kernel = await ctx.host.kernel();
  // The first file of each kind, and the error CRIU prints when the kernel lacks its call.
  const needs = new Map<string, [entry: string, error: string]>();
  for (const type of Object.keys(FILE_KERNELS)) {
    // The first file of the kind is enough: the kernel either has the call or not.
    const f = ctx.files(fd_types[type as keyof typeof fd_types])[0];
    if (!f) continue;
    const error =
      type === "PIDFD"
        ? `pidfd: Could not open pidfd for ${f.pidfd?.nspid ?? "?"}: Function not implemented`
        : `Can't create memfd:${memfdName(cp, f.memfd?.inodeId)}: Function not implemented`;
    needs.set(type, [`file id 0x${f.id.toString(16)}`, error]);
  }
  const findings: Finding[] = [];
  if (!known(kernel)) {
    const at = { rule: "kernel" as const, image: "inventory.img", entry: "", subject: "kernel" };
    findings.push(unchecked(at, `cannot read this host's kernel: ${kernel.notKnown}`, READ_HOST));
    return { findings, checked: 0 };
  }
  const version = kernelVersion(kernel.release);
  for (const ns of NS_KINDS) {
    if (!ctx.own.has(ns) || kernel.namespaces.has(ns)) continue;
    findings.push({
      rule: "kernel",
      severity: "blocks",
      image: `ids-${ctx.rootPid}.img`,
      entry: `${ns}_ns_id`,
      subject: `${ns} namespace`,
      problem: `the checkpoint has its own ${ns} namespace and this kernel has no ${ns} namespaces`,
      criuError:
        ns === "time"
          ? "Unable to create a new time namespace: Invalid argument"
          : `Can't fork for ${ctx.rootPid}: Invalid argument`,
      fix: `Restore on a kernel with ${ns} namespaces${ns === "time" ? " (Linux 5.6 or later)" : ""}.`,
    });
  }
  for (const [type, [entry, error]] of needs) {
    const [min, call] = FILE_KERNELS[type] as [[number, number], string];
    if (!version) {
      findings.push(
        unchecked(
          { rule: "kernel", image: "files.img", entry, subject: type },
          `cannot read the version of kernel ${kernel.release}`,
          `Check that kernel ${kernel.release} is at least ${min.join(".")} (it needs ${call}).`,
        ),
      );
    } else if (older(version, min)) {
      findings.push({
        rule: "kernel",
        severity: "blocks",
        image: "files.img",
        entry,
        subject: type,
        problem: `${type.toLowerCase()} files need ${call} (Linux ${min.join(".")}), this kernel is ${kernel.release}`,
        criuError: error,
        fix: `Restore on Linux ${min.join(".")} or later.`,
      });
    }
  }
  const remote = remotePages(cp);
  if (remote) {
    const uffd = await ctx.host.userfaultfd();
    const at = { rule: "kernel" as const, image: remote, entry: "PE_LAZY without PE_PRESENT", subject: "lazy pages" };
    findings.push({
      ...at,
      severity: "needs",
      problem: "the dump was made with --lazy-pages: pages are not in the images but on the source's page server",
      criuError: "",
      fix: "Run criu lazy-pages --page-server on the source and restore with --lazy-pages (userfaultfd needed here).",
      option: "--lazy-pages",
    });
    if (!known(uffd)) {
      findings.push(
        unchecked(
          at,
          `whether userfaultfd works here: ${uffd.notKnown}`,
          "Check for /proc/sys/vm/unprivileged_userfaultfd or /dev/userfaultfd on the host that will restore.",
        ),
      );
    } else if (!uffd) {
      findings.push({
        ...at,
        severity: "blocks",
        problem: "this kernel has no userfaultfd, which --lazy-pages needs",
        criuError: "uffd: Unable to open an userfaultfd descriptor: Function not implemented",
        fix: "Restore on a kernel built with userfaultfd (CONFIG_USERFAULTFD), or dump again without --lazy-pages.",
      });
    }
  }
  return { findings, checked: NS_KINDS.length + needs.size };
}
