/** Which generated message type the entries of each image kind have. */
import type { EntryKindName, ExtraKindName, KindSchemaNames, RawKindName } from "../framing/kinds.js";
import type * as g from "../gen/index.js";

/** The message type of each kind's entries, checked against the kind table by the compiler (kinds with a header entry list the type of the others). */
export interface KindEntryTypes {
  INVENTORY: g.inventory_entry;
  PSTREE: g.pstree_entry;
  FDINFO: g.fdinfo_entry;
  PAGEMAP: g.pagemap_head | g.pagemap_entry;
  CORE: g.core_entry;
  IDS: g.task_kobj_ids_entry;
  VMAS: g.vma_entry;
  PIPES: g.pipe_entry;
  PIPES_DATA: g.pipe_data_entry;
  FIFO: g.fifo_entry;
  FIFO_DATA: g.pipe_data_entry;
  SIGACT: g.sa_entry;
  UNIXSK: g.unix_sk_entry;
  INETSK: g.inet_sk_entry;
  PACKETSK: g.packet_sock_entry;
  ITIMERS: g.itimer_entry;
  POSIX_TIMERS: g.posix_timer_entry;
  SK_QUEUES: g.sk_packet_entry;
  UTSNS: g.utsns_entry;
  CREDS: g.creds_entry;
  IPC_VAR: g.ipc_var_entry;
  IPCNS_SHM: g.ipc_shm_entry;
  IPCNS_MSG: g.ipc_msg_entry;
  IPCNS_SEM: g.ipc_sem_entry;
  REG_FILES: g.reg_file_entry;
  EXT_FILES: g.ext_file_entry;
  FS: g.fs_entry;
  MM: g.mm_entry;
  REMAP_FPATH: g.remap_file_path_entry;
  GHOST_FILE: g.ghost_file_entry | g.ghost_chunk_entry;
  TCP_STREAM: g.tcp_stream_entry;
  EVENTFD_FILE: g.eventfd_file_entry;
  EVENTPOLL_FILE: g.eventpoll_file_entry;
  EVENTPOLL_TFD: g.eventpoll_tfd_entry;
  SIGNALFD: g.signalfd_entry;
  INOTIFY_FILE: g.inotify_file_entry;
  INOTIFY_WD: g.inotify_wd_entry;
  MNTS: g.mnt_entry;
  NETDEV: g.net_device_entry;
  NETNS: g.netns_entry;
  TTY_FILES: g.tty_file_entry;
  TTY_INFO: g.tty_info_entry;
  TTY_DATA: g.tty_data_entry;
  FILE_LOCKS: g.file_lock_entry;
  RLIMIT: g.rlimit_entry;
  FANOTIFY_FILE: g.fanotify_file_entry;
  FANOTIFY_MARK: g.fanotify_mark_entry;
  SIGNAL: g.siginfo_entry;
  NETLINK_SK: g.netlink_sk_entry;
  NS_FILES: g.ns_file_entry;
  TUNFILE: g.tunfile_entry;
  CGROUP: g.cgroup_entry;
  TIMERFD: g.timerfd_entry;
  CPUINFO: g.cpuinfo_entry;
  USERNS: g.userns_entry;
  SECCOMP: g.seccomp_entry;
  BINFMT_MISC: g.binfmt_misc_entry;
  AUTOFS: g.autofs_entry;
  FILES: g.file_entry;
  MEMFD_INODE: g.memfd_inode_entry;
  TIMENS: g.timens_entry;
  PIDNS: g.pidns_entry;
  BPFMAP_FILE: g.bpfmap_file_entry;
  BPFMAP_DATA: g.bpfmap_data_entry;
  APPARMOR: g.apparmor_entry;
  PIDFD: g.pidfd_entry;
  STATS: g.stats_entry;
  IRMAP_CACHE: g.irmap_cache_entry;
}

/** Raw kinds: carried as bytes, no entries (the kind table's raw rows). */
export type RawKind = RawKindName;

/** TCP queues that follow a tcp_stream_entry. */
export interface TcpQueues {
  /** Receive queue: data the peer sent that the task had not read (inq_len bytes). */
  inq: Uint8Array;
  /** Send queue: data the task wrote that the peer had not acknowledged (outq_len bytes). */
  outq: Uint8Array;
}

/** Semaphore values that follow an ipc_sem_entry. */
export interface SemValues {
  values: number[];
  /** The padding to 8 bytes, kept only when it is not all zero. */
  padding?: Uint8Array;
}

/** Segment contents that follow an ipc_shm_entry whose in_pagemaps is not set. */
export interface ShmContents {
  data: Uint8Array;
  /** The padding to 4 bytes, kept only when it is not all zero. */
  padding?: Uint8Array;
}

/** One queued System V message. */
export interface IpcMessage {
  msg: g.ipc_msg;
  data: Uint8Array;
  /** The padding to 8 bytes, kept only when it is not all zero. */
  padding?: Uint8Array;
}

/** What follows each entry, per kind (undefined where nothing does). */
export interface KindExtraTypes {
  PIPES_DATA: Uint8Array;
  FIFO_DATA: Uint8Array;
  SK_QUEUES: Uint8Array;
  TCP_STREAM: TcpQueues;
  IPCNS_SEM: SemValues;
  IPCNS_SHM: ShmContents | undefined;
  IPCNS_MSG: IpcMessage[];
  BPFMAP_DATA: Uint8Array;
  /** The file's bytes: after the header (unchunked) or after each chunk entry. */
  GHOST_FILE: Uint8Array | undefined;
}

/** The kind names of images that hold entries (every kind but the raw ones). */
export type EntryKind = keyof KindEntryTypes;
/** Every kind name of the kind table, raw kinds included. */
export type ImageKind = EntryKind | RawKind;

// The compiler holds these types to the kind table (framing/kinds.ts), so
// that a kind cannot be half-added: each line fails to compile when a kind
// is in one and not the other, or its entry type is not the table's message.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Words<S extends string> = S extends `${infer A} ${infer B}` ? A | Words<B> : S;
type TypeNames = { [K in EntryKind]: KindEntryTypes[K]["$typeName"] };
type TableNames = { [K in EntryKindName]: Words<KindSchemaNames[K]> };
type Holds<T extends true> = T;
/** @internal Compile-time only: no code comes of it. */
export type KindTableChecks = [
  everyEntryKindIsTyped: Holds<Same<EntryKind, EntryKindName>>,
  everyEntryTypeIsTheTablesMessage: Holds<Same<TypeNames, TableNames>>,
  everyExtraIsTyped: Holds<Same<keyof KindExtraTypes, ExtraKindName>>,
];
