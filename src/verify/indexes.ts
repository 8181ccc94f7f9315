/**
 * The images that are never kept decoded (files.img, fdinfo and the legacy
 * per-type file images can hold a million entries), indexed as they are
 * read one entry at a time, so verify stays within a few hundred MiB.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { inet_sk_entry } from "../gen/index.js";
import type { EntryKind } from "../image/kind-types.js";
import { IPPROTO_TCP } from "../image/names.js";
import { IdTable } from "../inspect/id-table.js";

/**
 * Before CRIU 3.4 each kind of file had its own image, whose entries are
 * what fdinfo entries name (files.c, collect_one_file and the per-type
 * collectors); their ids count as files.img's. The fd type of each.
 */
export const LEGACY_FILE_IMAGES: Readonly<Record<string, number>> = {
  REG_FILES: 1,
  PIPES: 2,
  FIFO: 3,
  INETSK: 4,
  UNIXSK: 5,
  EVENTFD_FILE: 6,
  EVENTPOLL_FILE: 7,
  INOTIFY_FILE: 8,
  SIGNALFD: 9,
  PACKETSK: 10,
  TTY_FILES: 11,
  FANOTIFY_FILE: 12,
  NETLINK_SK: 13,
  NS_FILES: 14,
  TUNFILE: 15,
  EXT_FILES: 16,
  TIMERFD: 17,
};

export const isIndexed = (kind: string): boolean =>
  kind === "FILES" || kind === "FDINFO" || Object.hasOwn(LEGACY_FILE_IMAGES, kind);

/** TCP_ESTABLISHED, the kernel's state number. */
const TCP_ESTABLISHED = 1;

/** What the checks need of the images that are never kept decoded. An image adds to them only once it parsed whole. */
export class Indexes {
  /**
   * (file id, fd type) of files.img and the legacy per-type images; undefined when there is none, or when one
   * of them did not parse whole (the fds naming its entries would all look like fds naming nothing).
   */
  fileTypes: IdTable | undefined;
  /** A file image failed to parse: fileTypes stays undefined. */
  private filesFailed = false;
  /** Each fdinfo image's (entry index, fd, file id, type) rows. */
  readonly fdTables = new Map<string, IdTable>();
  /** Established TCP sockets, which must have their tcp-stream image. */
  readonly established: { id: number; ino: number; image: string; index: number }[] = [];

  add(cp: Checkpoint, name: string, kind: string): void {
    if (kind === "FDINFO") {
      const fds = new IdTable(4);
      let index = 0;
      for (const fd of cp.each(name, kind)) fds.add(index++, fd.fd, fd.id, fd.type);
      this.fdTables.set(name, fds);
      return;
    }
    const sockets: Indexes["established"] = [];
    const socket = (sk: inet_sk_entry, index: number) => {
      if (sk.proto === IPPROTO_TCP && sk.state === TCP_ESTABLISHED)
        sockets.push({ id: sk.id, ino: sk.ino, image: name, index });
    };
    // Rows go straight into the index (a million sockets as a JS array were 16 MiB and more while it grew).
    if (!this.filesFailed) this.fileTypes ??= new IdTable(2);
    const types = this.fileTypes;
    let index = 0;
    try {
      if (kind === "FILES") {
        for (const f of cp.each(name, kind)) {
          types?.add(f.id, f.type);
          if (f.isk) socket(f.isk, index);
          index++;
        }
      } else {
        const type = LEGACY_FILE_IMAGES[kind] as number;
        for (const e of cp.each(name, kind as EntryKind)) {
          types?.add((e as { id: number }).id, type);
          if (kind === "INETSK") socket(e as inet_sk_entry, index);
          index++;
        }
      }
    } catch (e) {
      this.filesFailed = true;
      this.fileTypes = undefined;
      throw e;
    }
    // A loop, not push(...sockets): spreading 130,000 or more arguments overflows the stack.
    for (const s of sockets) this.established.push(s);
  }
}
