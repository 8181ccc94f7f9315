/**
 * Open files as plain data: every fd of a task with its type and a one-line
 * description, found through ids → fdinfo → files.img (CRIU ≥ 3.4) or the
 * per-type images older dumps have.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { file_entry } from "../gen/index.js";
import { displayEndpoint, formatWords } from "../image/address.js";
import { enumValueName } from "../image/names.js";
import { decodeUtf8Lossless } from "../image/text-codec.js";
import { fdinfoImageOf, fdRefs } from "./fd-refs.js";
import { NS_KINDS, openFlags } from "./names.js";
import { FAMILY, PROTO, STATE, TYPE } from "./socket-names.js";

/** Which file_entry field holds each type, and the image older dumps keep it in. */
const TYPES: Record<string, [field: keyof file_entry, legacy: string]> = {
  REG: ["reg", "reg-files.img"],
  PIPE: ["pipe", "pipes.img"],
  FIFO: ["fifo", "fifo.img"],
  INETSK: ["isk", "inetsk.img"],
  UNIXSK: ["usk", "unixsk.img"],
  EVENTFD: ["efd", "eventfd.img"],
  EVENTPOLL: ["epfd", "eventpoll.img"],
  INOTIFY: ["ify", "inotify.img"],
  SIGNALFD: ["sgfd", "signalfd.img"],
  PACKETSK: ["psk", "packetsk.img"],
  TTY: ["tty", "tty.img"],
  FANOTIFY: ["ffy", "fanotify.img"],
  NETLINKSK: ["nlsk", "netlinksk.img"],
  NS: ["nsf", "ns-files.img"],
  TUNF: ["tunf", "tunfile.img"],
  EXT: ["ext", "ext-files.img"],
  TIMERFD: ["tfd", "timerfd.img"],
  MEMFD: ["memfd", "memfd.img"],
  BPFMAP: ["bpf", "bpfmap-file.img"],
  PIDFD: ["pidfd", "pidfd.img"],
};

type Entry = Record<string, unknown> & { id: number };

/** Every file of a checkpoint by id, in either layout; cached per checkpoint. */
export class FileTable {
  private readonly byId = new Map<number, { type: string; entry?: Entry; described?: Described }>();
  private readonly legacy = new Map<string, Map<number, Entry>>();
  constructor(private readonly cp: Checkpoint) {
    // Read one entry at a time and never cached: files.img can hold a million sockets.
    for (const f of cp.each("files.img", "FILES")) {
      const type = enumValueName("fd_types", f.type) ?? String(f.type);
      const field = TYPES[type]?.[0];
      const entry = ((field ? f[field] : undefined) ?? { id: f.id }) as Entry;
      // Sockets come by the thousand: keep the line that describes one, not its decoded entry.
      if (type === "INETSK") this.byId.set(f.id, { type, described: describeEntry(this, type, entry) });
      else this.byId.set(f.id, { type, entry });
    }
  }

  /** What an fd of this type naming file `id` is. */
  describe(type: string, id: number): Omit<FdView, "fd" | "type" | "id"> {
    const f = this.byId.get(id);
    if (f?.described && f.type === type) return f.described;
    const e = this.get(type, id);
    return e ? describeEntry(this, type, e) : { description: `${type.toLowerCase()} (no entry for file id ${id})` };
  }

  /** The typed entry of file `id`, for an fd of this type. */
  get(type: string, id: number): Entry | undefined {
    const f = this.byId.get(id);
    if (f) return f.entry;
    const legacy = TYPES[type]?.[1];
    if (!legacy) return undefined;
    let m = this.legacy.get(legacy);
    if (!m) {
      const img = this.cp.image(legacy);
      m = new Map(((img?.entries ?? []) as unknown as Entry[]).map((e) => [e.id, e]));
      this.legacy.set(legacy, m);
    }
    return m.get(id);
  }

  /** A path for a file id (regular files, and FIFOs through their reg file); none for no id. */
  path(id: number | undefined): string | undefined {
    if (id === undefined) return undefined;
    const r = this.get("REG", id) as { name?: string } | undefined;
    return r?.name;
  }
}

/** One open file descriptor of a process, with a one-line description of what it points at. */
export interface FdView {
  fd: number;
  /** fd_types name: REG, PIPE, INETSK, UNIXSK, EVENTFD, … */
  type: string;
  /** The file's id in files.img. */
  id: number;
  /** One line: a path, pipe:[id], a socket's endpoints, … */
  description: string;
  /** Regular files: path, open flags and position. */
  path?: string;
  flags?: string[];
  pos?: string;
  /** Pipes and FIFOs: the kernel pipe id shared by both ends. */
  pipeId?: number;
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

type Described = Omit<FdView, "fd" | "type" | "id">;

// biome-ignore lint/suspicious/noExplicitAny: each row reads the fields of its own entry type.
type Describe = (e: Record<string, any>, t: FileTable) => Described;

/** One line per file type; a type without a row is named by its type and id. Repeated fields are always arrays. */
const DESCRIBE: Record<string, Describe> = {
  REG: (e) => ({ description: e.name, path: e.name, flags: openFlags(e.flags), pos: String(e.pos) }),
  PIPE: (e) => ({ description: `pipe:[${e.pipeId}]`, pipeId: e.pipeId }),
  FIFO: (e, t) => {
    // A FIFO's path is its reg file's; an entry without one (or whose reg file is missing) has none.
    const path = t.path(e.regfId);
    return { description: `fifo ${path ?? "?"} (pipe:[${e.pipeId}])`, pipeId: e.pipeId, ...(path ? { path } : {}) };
  },
  INETSK: (e) => {
    const kind = (PROTO[e.proto] ?? String(e.proto)).toLowerCase();
    const ep = (w: number[], p: number) => displayEndpoint(formatWords(w), p);
    return {
      description: `${FAMILY[e.family] ?? e.family} ${kind} ${STATE[e.state] ?? e.state} ${ep(e.srcAddr, e.srcPort)} -> ${ep(e.dstAddr, e.dstPort)}`,
    };
  },
  UNIXSK: (e) => {
    const name = decodeUtf8Lossless(e.name as Uint8Array).replace(/\0/g, "@");
    return {
      description: `unix ${(TYPE[e.type] ?? String(e.type)).toLowerCase()} ${STATE[e.state] ?? e.state}${name ? ` ${name}` : ""} ino ${e.ino}${e.peer ? ` peer ${e.peer}` : ""}`,
    };
  },
  EVENTFD: (e) => ({ description: `eventfd counter ${e.counter}` }),
  EVENTPOLL: (e) => ({
    description: `epoll, ${e.tfd.length} target(s)${e.tfd.length ? `: fds ${e.tfd.map((x: { tfd: number }) => x.tfd).join(",")}` : ""}`,
  }),
  INOTIFY: (e) => ({ description: `inotify, ${e.wd.length} watch(es)` }),
  FANOTIFY: (e) => ({ description: `fanotify, ${e.mark.length} mark(s)` }),
  SIGNALFD: (e) => ({ description: `signalfd mask ${hex(e.sigmask)}` }),
  TIMERFD: (e) => ({ description: `timerfd clock ${e.clockid}, ${e.ticks} tick(s)` }),
  NETLINKSK: (e) => ({ description: `netlink protocol ${e.protocol} portid ${e.portid}` }),
  PACKETSK: (e) => ({ description: `packet socket type ${e.type} protocol ${hex(e.protocol ?? 0)}` }),
  TTY: (e) => ({ description: `tty index ${e.ttyInfoId}` }),
  MEMFD: (e) => ({ description: `memfd inode ${e.inodeId}`, flags: openFlags(e.flags), pos: String(e.pos) }),
  NS: (e) => ({ description: `ns ${NS_KINDS[e.nsCflag] ?? hex(e.nsCflag)} id ${e.nsId}` }),
  // netdev is absent when the file is attached to no device; detached is a queue taken off its device (tun.c).
  TUNF: (e) => ({
    description: Object.hasOwn(e, "netdev")
      ? `tun ${e.netdev}${e.detached ? " (queue detached)" : ""}`
      : "tun (not attached to a device)",
  }),
  PIDFD: (e) => ({ description: `pidfd pid ${e.nspid}` }),
  BPFMAP: (e) => ({ description: `bpf map ${e.mapName || e.mapId} (type ${e.mapType})` }),
  EXT: () => ({ description: "external file (given at restore)" }),
};

function describeEntry(t: FileTable, type: string, entry: Entry): Described {
  const row = Object.hasOwn(DESCRIBE, type) ? DESCRIBE[type] : undefined;
  return row ? row(entry, t) : { description: `${type.toLowerCase()} ${entry.id}` };
}

/** The fds of a task (none for zombies), in fdinfo order. */
export function taskFds(cp: Checkpoint, pid: number, table: FileTable = new FileTable(cp)): FdView[] {
  const name = fdinfoImageOf(cp, pid);
  const out: FdView[] = [];
  for (const fd of name ? fdRefs(cp, name) : []) {
    const type = enumValueName("fd_types", fd.type) ?? String(fd.type);
    out.push({ fd: fd.fd, type, id: fd.id, ...table.describe(type, fd.id) });
  }
  return out;
}
