/**
 * File names to kinds, written out from CRIU's image names (criu/image-desc.c:
 * "%u" a decimal id, "%x" a hex inode, ".img" appended except for stats-* and
 * irmap-cache), including names that only look like CRIU's.
 */
import { describe, expect, it } from "vitest";
import { kindByFileName } from "../../src/index.js";

const NAMES: [name: string, kind: string | undefined][] = [
  ["inventory.img", "INVENTORY"],
  ["files.img", "FILES"],
  ["fdinfo-2.img", "FDINFO"],
  ["pagemap-1234.img", "PAGEMAP"],
  ["pagemap-shmem-98765.img", "PAGEMAP"],
  ["pages-1.img", "PAGES"],
  ["pages-shmem-3.img", "PAGES"],
  ["core-29313.img", "CORE"],
  ["tcp-stream-50ba6.img", "TCP_STREAM"],
  ["ghost-file-1f.img", "GHOST_FILE"],
  ["signal-s-7.img", "SIGNAL"],
  ["signal-p-7.img", "SIGNAL"],
  ["binfmt-misc.img", "BINFMT_MISC"],
  ["binfmt-misc-12.img", "BINFMT_MISC"],
  ["ipcns-var-9.img", "IPC_VAR"],
  ["ipcns-msg-9.img", "IPCNS_MSG"],
  ["mountpoints-12.img", "MNTS"],
  ["netns-9.img", "NETNS"],
  ["netns-ct-9.img", "NETNF_CT"],
  ["netns-exp-9.img", "NETNF_EXP"],
  ["route6-9.img", "ROUTE6"],
  ["ip6tables-9.img", "IP6TABLES"],
  ["tmpfs-dev-12.tar.gz.img", "TMPFS_DEV"],
  ["tmpfs-12.tar.gz.img", "TMPFS_IMG"],
  ["eventpoll-tfd.img", "EVENTPOLL_TFD"],
  ["eventpoll.img", "EVENTPOLL_FILE"],
  ["stats-dump", "STATS"],
  ["stats-restore", "STATS"],
  ["irmap-cache", "IRMAP_CACHE"],
  // Paths: the base name decides, with either separator.
  ["/var/lib/checkpoint/files.img", "FILES"],
  ["checkpoint\\core-1.img", "CORE"],
  ["/files.img", "FILES"],
  ["dir\\sub/files.img", "FILES"],
  // Not CRIU's names.
  ["files.img.bak", undefined],
  ["xfiles.img", undefined],
  ["core-.img", undefined],
  ["core-abc.img", undefined],
  ["core-1.IMG", undefined],
  ["tcp-stream-XYZ.img", undefined],
  ["tcp-stream-50BA6.img", undefined],
  ["stats-dump.img", undefined],
  ["irmap-cache.img", undefined],
  ["inventory", undefined],
  ["tmpfs-12.img", undefined],
  ["pages-1.img/", undefined],
  ["", undefined],
];

describe("kindByFileName", () => {
  it.each(NAMES)("%s → %s", (name, kind) => {
    expect(kindByFileName(name)?.kind).toBe(kind);
  });
});
