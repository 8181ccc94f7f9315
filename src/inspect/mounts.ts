/** Mounts as plain data: every entry of every mountpoints-<ns>.img. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";

/** One mount of a mount namespace, from mountpoints-<ns>.img. */
export interface MountView {
  /** The mount namespace id (from the image name). */
  ns: number;
  id: number;
  parentId: number;
  mountpoint: string;
  root: string;
  fstype: string;
  source: string;
  options: string;
  flags: number;
  sharedId: number | null;
  masterId: number | null;
  /** A mount CRIU expects to be given at restore (--external). */
  external: boolean;
  extKey: string | null;
}

/** include mnt.proto's fstype enum; 0 means "use fsname". */
const FSTYPES: Record<number, string> = {
  0: "unknown",
  1: "proc",
  2: "sysfs",
  3: "devtmpfs",
  4: "binfmt_misc",
  5: "tmpfs",
  6: "devpts",
  7: "simfs",
  8: "pstore",
  9: "securityfs",
  10: "fusectl",
  11: "debugfs",
  12: "cgroup",
  13: "aufs",
  14: "mqueue",
  15: "fuse",
  16: "auto",
  17: "overlay",
  18: "autofs",
  19: "tracefs",
  23: "cgroup2",
};

/** Every entry of every mountpoints-*.img, by namespace and id. */
export function mounts(cp: Checkpoint): MountView[] {
  const out: MountView[] = [];
  for (const name of cp.names()) {
    const m = /^mountpoints-(\d+)\.img$/.exec(name);
    if (!m) continue;
    for (const e of cp.each(name, "MNTS")) {
      out.push({
        ns: Number(m[1]),
        id: e.mntId,
        parentId: e.parentMntId,
        mountpoint: e.mountpoint,
        root: e.root,
        fstype: (Object.hasOwn(e, "fsname") && e.fsname) || FSTYPES[e.fstype] || `fstype ${e.fstype}`,
        source: e.source,
        options: e.options,
        flags: e.flags,
        sharedId: Object.hasOwn(e, "sharedId") ? e.sharedId : null,
        masterId: Object.hasOwn(e, "masterId") ? e.masterId : null,
        external: Object.hasOwn(e, "extKey") || e.extMount === true,
        extKey: Object.hasOwn(e, "extKey") ? e.extKey : null,
      });
    }
  }
  return out;
}
