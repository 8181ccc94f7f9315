/** Where a checkpoint's path is looked up: mountSkip over made-up mount tables, and the unnamed-root rule. */
import { describe, expect, it } from "vitest";
import type { MountView } from "../../src/inspect/index.js";
import { mountSkip } from "../../src/preflight/placement.js";

const mount = (id: number, fields: Partial<MountView>): MountView => ({
  ns: 1,
  id,
  parentId: 0,
  mountpoint: "/",
  root: "/",
  fstype: "overlay",
  source: "overlay",
  options: "",
  flags: 0,
  sharedId: null,
  masterId: null,
  external: false,
  extKey: null,
  ...fields,
});

const table = new Map<number, MountView>([
  [1, mount(1, {})],
  [2, mount(2, { mountpoint: "/etc/hosts", external: true, extKey: "/etc/hosts", fstype: "ext4" })],
  [3, mount(3, { mountpoint: "/data", external: true, extKey: null, fstype: "ext4" })],
  [4, mount(4, { mountpoint: "/dev", fstype: "tmpfs" })],
  [5, mount(5, { mountpoint: "/proc", fstype: "proc" })],
  [6, mount(6, { mountpoint: "/dev/pts", fstype: "devpts" })],
  [7, mount(7, { mountpoint: "/srv", root: "/srv", fstype: "ext4", source: "/dev/sda1" })],
  [8, mount(8, { mountpoint: "/", root: "/sub", fstype: "ext4", source: "/dev/sda2" })],
]);

describe("mountSkip", () => {
  it("looks paths up under the root without a mount namespace, or on the root mount", () => {
    expect(mountSkip(undefined, table)).toBeUndefined();
    expect(mountSkip(-1, table)).toBeUndefined();
    expect(mountSkip(1, new Map())).toBeUndefined();
    expect(mountSkip(1, table)).toBeUndefined();
  });

  it("says why other paths are not looked up", () => {
    expect(mountSkip(2, table)).toBe("on the external mount /etc/hosts (given to the restore)");
    expect(mountSkip(3, table)).toBe("on the external mount /data (given to the restore)");
    expect(mountSkip(4, table)).toBe("on /dev (tmpfs): CRIU restores this tmpfs from its tmpfs-dev image");
    expect(mountSkip(5, table)).toBe("on /proc (proc): a kernel file system");
    expect(mountSkip(6, table)).toBe("on /dev/pts (devpts): a kernel file system");
    expect(mountSkip(7, table)).toBe("on the mount /srv (ext4 /dev/sda1), not the root file system");
    expect(mountSkip(8, table)).toBe("on the mount / (ext4 /dev/sda2), not the root file system");
    expect(mountSkip(99, table)).toBe("on mount 99, which the checkpoint does not list");
    // Only a negative id means "not known" (CRIU's -1); 0 is an id like any other.
    expect(mountSkip(0, table)).toBe("on mount 0, which the checkpoint does not list");
  });

  it("treats every kernel file system CRIU or the kernel provides alike", () => {
    for (const fstype of [
      "devtmpfs",
      "sysfs",
      "mqueue",
      "cgroup",
      "cgroup2",
      "binfmt_misc",
      "debugfs",
      "tracefs",
      "securityfs",
      "pstore",
      "fusectl",
    ]) {
      const t = new Map([[1, mount(1, { mountpoint: "/x", fstype })]]);
      expect(mountSkip(1, t)).toBe(`on /x (${fstype}): a kernel file system`);
    }
  });
});
