/**
 * The image kind table: one row per CRIU image magic (criu/include/magic.h),
 * plus one row per raw image. Everything that differs between kinds lives
 * here, so the readers and writers never switch on a kind name.
 */

/** How the bytes that follow an entry (if any) are laid out. See docs/format.md. */
export type ExtraRule =
  | "none"
  | "pagemap" // first entry is pagemap_head, the rest pagemap_entry; no extra bytes
  | "ghost-file" // header, then one blob to EOF, or (ghost_chunk_entry, len bytes) pairs
  | "pipe-data" // pipe_data_entry.bytes bytes
  | "sk-queue" // sk_packet_entry.length bytes
  | "tcp-stream" // inq_len bytes, then outq_len bytes
  | "ipc-sem" // nsems u16 values, padded to 8 bytes
  | "ipc-shm" // size bytes padded to 4, unless in_pagemaps
  | "ipc-msg" // qnum × (u32 size, ipc_msg, msize bytes padded to 8)
  | "bpfmap-data"; // keys_bytes + values_bytes

/** One row of the kind table: how images of one kind are named, framed and decoded. */
export interface ImageKindInfo {
  /** CRIU's name for the magic without `_MAGIC`; crit prints this as "magic". */
  readonly kind: string;
  /** The kind's own magic; 0 for raw images. */
  readonly magic: number;
  /** v1.1 files start with IMG_SERVICE instead of IMG_COMMON. */
  readonly service: boolean;
  /** File names as CRIU formats them (`%u` decimal, `%x` hex, `%s` any). */
  readonly files: readonly string[];
  /** Matches a base file name of this kind. */
  readonly pattern: RegExp;
  /** Protobuf message of the entries (the first one for pagemap / ghost-file). */
  readonly schema: string;
  /** Message of entries after the first, where it differs (pagemap, ghost chunks). */
  readonly schemaRest?: string;
  readonly extra: ExtraRule;
  /** Raw images are not entry streams; their bytes are carried untouched. */
  readonly raw: boolean;
}

type Row = [kind: string, magic: number, files: string, schema: string, extra?: ExtraRule, flags?: "service"];

// kind, magic, file names (CRIU's printf formats, ".img" implied unless
// "stats-"/"irmap-cache"), entry schema, extra rule
const ROWS = [
  ["INVENTORY", 0x58313116, "inventory", "inventory_entry"],
  ["PSTREE", 0x50273030, "pstree", "pstree_entry"],
  ["FDINFO", 0x56213732, "fdinfo-%u", "fdinfo_entry"],
  ["PAGEMAP", 0x56084025, "pagemap-%u pagemap-shmem-%u", "pagemap_head pagemap_entry", "pagemap"],
  ["CORE", 0x55053847, "core-%u", "core_entry"],
  ["IDS", 0x54432030, "ids-%u", "task_kobj_ids_entry"],
  ["VMAS", 0x54123737, "vmas-%u", "vma_entry"],
  ["PIPES", 0x56513555, "pipes", "pipe_entry"],
  ["PIPES_DATA", 0x56453709, "pipes-data", "pipe_data_entry", "pipe-data"],
  ["FIFO", 0x58364939, "fifo", "fifo_entry"],
  ["FIFO_DATA", 0x59333054, "fifo-data", "pipe_data_entry", "pipe-data"],
  ["SIGACT", 0x55344201, "sigacts-%u", "sa_entry"],
  ["UNIXSK", 0x54373943, "unixsk", "unix_sk_entry"],
  ["INETSK", 0x56443851, "inetsk", "inet_sk_entry"],
  ["PACKETSK", 0x60454618, "packetsk", "packet_sock_entry"],
  ["ITIMERS", 0x57464056, "itimers-%u", "itimer_entry"],
  ["POSIX_TIMERS", 0x52603957, "posix-timers-%u", "posix_timer_entry"],
  ["SK_QUEUES", 0x56264026, "sk-queues", "sk_packet_entry", "sk-queue"],
  ["UTSNS", 0x54473203, "utsns-%u", "utsns_entry"],
  ["CREDS", 0x54023547, "creds-%u", "creds_entry"],
  ["IPC_VAR", 0x53115007, "ipcns-var-%u", "ipc_var_entry"],
  ["IPCNS_SHM", 0x46283044, "ipcns-shm-%u", "ipc_shm_entry", "ipc-shm"],
  ["IPCNS_MSG", 0x55453737, "ipcns-msg-%u", "ipc_msg_entry", "ipc-msg"],
  ["IPCNS_SEM", 0x59573019, "ipcns-sem-%u", "ipc_sem_entry", "ipc-sem"],
  ["REG_FILES", 0x50363636, "reg-files", "reg_file_entry"],
  ["EXT_FILES", 0x59255641, "ext-files", "ext_file_entry"],
  ["FS", 0x51403912, "fs-%u", "fs_entry"],
  ["MM", 0x57492820, "mm-%u", "mm_entry"],
  ["REMAP_FPATH", 0x59133954, "remap-fpath", "remap_file_path_entry"],
  ["GHOST_FILE", 0x52583605, "ghost-file-%x", "ghost_file_entry ghost_chunk_entry", "ghost-file"],
  ["TCP_STREAM", 0x51465506, "tcp-stream-%x", "tcp_stream_entry", "tcp-stream"],
  ["EVENTFD_FILE", 0x44523722, "eventfd", "eventfd_file_entry"],
  ["EVENTPOLL_FILE", 0x45023858, "eventpoll", "eventpoll_file_entry"],
  ["EVENTPOLL_TFD", 0x44433746, "eventpoll-tfd", "eventpoll_tfd_entry"],
  ["SIGNALFD", 0x57323820, "signalfd", "signalfd_entry"],
  ["INOTIFY_FILE", 0x48424431, "inotify", "inotify_file_entry"],
  ["INOTIFY_WD", 0x54562009, "inotify-wd", "inotify_wd_entry"],
  ["MNTS", 0x55563928, "mountpoints-%u", "mnt_entry"],
  ["NETDEV", 0x57373951, "netdev-%u", "net_device_entry"],
  ["NETNS", 0x55933752, "netns-%u", "netns_entry"],
  ["TTY_FILES", 0x59433025, "tty", "tty_file_entry"],
  ["TTY_INFO", 0x59453036, "tty-info", "tty_info_entry"],
  ["TTY_DATA", 0x59413026, "tty-data", "tty_data_entry"],
  ["FILE_LOCKS", 0x54323616, "filelocks", "file_lock_entry"],
  ["RLIMIT", 0x57113925, "rlimit-%u", "rlimit_entry"],
  ["FANOTIFY_FILE", 0x55096122, "fanotify", "fanotify_file_entry"],
  ["FANOTIFY_MARK", 0x56506035, "fanotify-mark", "fanotify_mark_entry"],
  // SIGNAL and PSIGNAL share a magic: shared and per-thread pending signals.
  ["SIGNAL", 0x59255647, "signal-s-%u signal-p-%u", "siginfo_entry"],
  ["NETLINK_SK", 0x58005614, "netlinksk", "netlink_sk_entry"],
  ["NS_FILES", 0x61394011, "ns-files", "ns_file_entry"],
  ["TUNFILE", 0x57143751, "tunfile", "tunfile_entry"],
  ["CGROUP", 0x59383330, "cgroup", "cgroup_entry"],
  ["TIMERFD", 0x50493712, "timerfd", "timerfd_entry"],
  ["CPUINFO", 0x61404013, "cpuinfo", "cpuinfo_entry"],
  ["USERNS", 0x55474906, "userns-%u", "userns_entry"],
  ["SECCOMP", 0x64413049, "seccomp", "seccomp_entry"],
  // BINFMT_MISC_OLD (per-mount file name) shares the magic.
  ["BINFMT_MISC", 0x67343323, "binfmt-misc binfmt-misc-%u", "binfmt_misc_entry"],
  ["AUTOFS", 0x49353943, "autofs-%u", "autofs_entry"],
  ["FILES", 0x56303138, "files", "file_entry"],
  ["MEMFD_INODE", 0x48453499, "memfd", "memfd_inode_entry"],
  ["TIMENS", 0x43114433, "timens-%u", "timens_entry"],
  ["PIDNS", 0x61157326, "pidns-%u", "pidns_entry"],
  ["BPFMAP_FILE", 0x57506142, "bpfmap-file", "bpfmap_file_entry"],
  ["BPFMAP_DATA", 0x64324033, "bpfmap-data", "bpfmap_data_entry", "bpfmap-data"],
  ["APPARMOR", 0x59423047, "apparmor", "apparmor_entry"],
  ["PIDFD", 0x54435556, "pidfd", "pidfd_entry"],
  ["STATS", 0x57093306, "stats-%s", "stats_entry", "none", "service"],
  ["IRMAP_CACHE", 0x57004059, "irmap-cache", "irmap_cache_entry", "none", "service"],
] as const satisfies readonly Row[];

// Raw images: CRIU writes them with RAW_IMAGE_MAGIC, i.e. no header at all.
const RAW_ROWS = [
  ["PAGES", "pages-%u pages-shmem-%u"],
  ["IFADDR", "ifaddr-%u"],
  ["ROUTE", "route-%u"],
  ["ROUTE6", "route6-%u"],
  ["RULE", "rule-%u"],
  ["IPTABLES", "iptables-%u"],
  ["IP6TABLES", "ip6tables-%u"],
  ["NFTABLES", "nftables-%u"],
  ["TMPFS_IMG", "tmpfs-%u.tar.gz"],
  ["TMPFS_DEV", "tmpfs-dev-%u.tar.gz"],
  ["NETNF_CT", "netns-ct-%u"],
  ["NETNF_EXP", "netns-exp-%u"],
] as const satisfies readonly (readonly [kind: string, files: string])[];

type EntryRow = (typeof ROWS)[number];

/** The name of every entry-stream kind of the table ("INVENTORY", "FILES", …). */
export type EntryKindName = EntryRow[0];
/** The name of every raw kind of the table ("PAGES", "IFADDR", …). */
export type RawKindName = (typeof RAW_ROWS)[number][0];
/** For each entry kind, the message names of its entries as the table gives them ("pagemap_head pagemap_entry"). */
export type KindSchemaNames = { [R in EntryRow as R[0]]: R[3] };
/** The entry kinds whose entries are followed by extra bytes (a pagemap's head is an entry, not extra bytes). */
export type ExtraKindName = Extract<
  EntryRow,
  readonly [string, number, string, string, Exclude<ExtraRule, "none" | "pagemap">, ...unknown[]]
>[0];

function fileNames(files: string): string[] {
  return files.split(" ").map((f) => (f.startsWith("stats-") || f === "irmap-cache" ? f : `${f}.img`));
}

function patternOf(names: readonly string[]): RegExp {
  const alts = names.map((n) =>
    n
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace("%u", "\\d+")
      .replace("%x", "[0-9a-f]+")
      // stats-%s is stats-dump or stats-restore.
      .replace("%s", "[a-z]+"),
  );
  return new RegExp(`^(?:${alts.join("|")})$`);
}

function makeInfo(
  kind: string,
  magic: number,
  files: string,
  schema: string,
  extra: ExtraRule,
  service: boolean,
  raw: boolean,
): ImageKindInfo {
  const names = fileNames(files);
  const [first, rest] = schema.split(" ");
  return Object.freeze({
    kind,
    magic,
    service,
    files: Object.freeze(names),
    pattern: patternOf(names),
    schema: first ?? "",
    ...(rest ? { schemaRest: rest } : {}),
    extra,
    raw,
  });
}

/** Every kind, entry-stream kinds first, raw kinds last. */
export const IMAGE_KINDS: readonly ImageKindInfo[] = Object.freeze([
  ...(ROWS as readonly Row[]).map(([kind, magic, files, schema, extra = "none", flags]) =>
    makeInfo(kind, magic, files, schema, extra, flags === "service", false),
  ),
  ...RAW_ROWS.map(([kind, files]) => makeInfo(kind, 0, files, "", "none", false, true)),
]);

const byMagic = new Map<number, ImageKindInfo>();
const byKind = new Map<string, ImageKindInfo>();
for (const k of IMAGE_KINDS) {
  byKind.set(k.kind, k);
  if (!k.raw) byMagic.set(k.magic, k);
}

/** The kind whose magic this is, if any. */
export function kindByMagic(magic: number): ImageKindInfo | undefined {
  return byMagic.get(magic);
}

/** The kind of this name (e.g. "FILES"), if any. */
export function kindByName(kind: string): ImageKindInfo | undefined {
  return byKind.get(kind);
}

/** The base name of a path, with either separator. */
export function baseName(path: string): string {
  // With no separator the index is -1, and the slice is the whole path.
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

// Kinds by the literal start of their file names ("tcp-stream-", "files.img"),
// so a name is tested against the few patterns that can match it.
const byPrefix: [prefix: string, kind: ImageKindInfo][] = IMAGE_KINDS.flatMap((k) =>
  k.files.map((f) => [f.split("%")[0] as string, k] as [string, ImageKindInfo]),
);

/** The kind a file name implies, if it is one CRIU writes. */
export function kindByFileName(fileName: string): ImageKindInfo | undefined {
  const base = baseName(fileName);
  for (const [prefix, k] of byPrefix) if (base.startsWith(prefix) && k.pattern.test(base)) return k;
  return undefined;
}
