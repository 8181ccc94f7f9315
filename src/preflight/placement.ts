/**
 * Where a path of the checkpoint is looked up on the host. Without a mount
 * namespace of its own (no mountpoints images, no mnt_id) every path is
 * under the restore's root. With one, only paths on the root mount are;
 * files on kernel file systems and on tmpfs (which CRIU restores from its
 * tmpfs-dev image) are not the host's to provide, and external mounts are
 * given to the restore by the engine.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { type MountView, mounts } from "../inspect/mounts.js";
import type { PreflightContext } from "./context.js";
import type { Finding, RuleId } from "./report.js";

/** File systems whose files CRIU or the kernel provide. */
const PROVIDED: Record<string, string> = {
  tmpfs: "CRIU restores this tmpfs from its tmpfs-dev image",
  devtmpfs: "a kernel file system",
  proc: "a kernel file system",
  sysfs: "a kernel file system",
  devpts: "a kernel file system",
  mqueue: "a kernel file system",
  cgroup: "a kernel file system",
  cgroup2: "a kernel file system",
  binfmt_misc: "a kernel file system",
  debugfs: "a kernel file system",
  tracefs: "a kernel file system",
  securityfs: "a kernel file system",
  pstore: "a kernel file system",
  fusectl: "a kernel file system",
};

/** The checkpoint's mounts by mount id (empty without a mount namespace of its own). */
export function mountTable(cp: Checkpoint): Map<number, MountView> {
  return new Map(mounts(cp).map((m) => [m.id, m]));
}

/** Why a path on mount `mntId` is not looked up under the restore's root, or undefined when it is. */
export function mountSkip(mntId: number | undefined, byId: ReadonlyMap<number, MountView>): string | undefined {
  if (mntId === undefined || mntId < 0 || byId.size === 0) return undefined;
  const m = byId.get(mntId);
  if (!m) return `on mount ${mntId}, which the checkpoint does not list`;
  if (m.external) return `on the external mount ${m.extKey || m.mountpoint} (given to the restore)`;
  const provided = PROVIDED[m.fstype];
  if (provided) return `on ${m.mountpoint} (${m.fstype}): ${provided}`;
  if (m.mountpoint === "/" && m.root === "/") return undefined;
  return `on the mount ${m.mountpoint} (${m.fstype} ${m.source}), not the root file system`;
}

/**
 * Why no path of the checkpoint can be looked up: it has a mount namespace
 * of its own (a container) and the file system the restore will see was
 * not named.
 */
export function unnamedRoot(ctx: PreflightContext): string | undefined {
  if (!ctx.own.has("mnt") || ctx.host.fileRoot !== undefined) return undefined;
  return "the checkpoint has its own mount namespace: name the file system the restore will see (--root, the container's rootfs)";
}

/** The finding a file rule gives when the root is not named. */
export function rootNotNamed(rule: RuleId, why: string): Finding {
  return {
    rule,
    severity: "not-checked",
    image: "inventory.img",
    entry: "root_ids",
    subject: "file system",
    problem: why,
    criuError: "",
    fix: "Give --root with the container's root file system (for Podman: podman mount <container>).",
  };
}
