/** Kernel names for numbers the images store: capabilities, rlimits, signals, open flags. */

/** include/uapi/linux/capability.h, by bit. */
export const CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

/** The names of the bits set in a capability set stored as u32 words, low word first. */
export function capabilityNames(words: readonly number[]): string[] {
  const out: string[] = [];
  for (let w = 0; w < words.length; w++) {
    for (let b = 0; b < 32; b++) {
      if (((words[w] as number) >>> b) & 1) out.push(CAPABILITIES[w * 32 + b] ?? `CAP_${w * 32 + b}`);
    }
  }
  return out;
}

/** include/uapi/asm-generic/resource.h, by index (task_rlimits_entry lists them in order). */
export const RLIMITS = [
  "RLIMIT_CPU",
  "RLIMIT_FSIZE",
  "RLIMIT_DATA",
  "RLIMIT_STACK",
  "RLIMIT_CORE",
  "RLIMIT_RSS",
  "RLIMIT_NPROC",
  "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK",
  "RLIMIT_AS",
  "RLIMIT_LOCKS",
  "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE",
  "RLIMIT_NICE",
  "RLIMIT_RTPRIO",
  "RLIMIT_RTTIME",
] as const;

/** Signal names by number (x86/generic numbering; 32+ are real-time). */
const SIGNALS = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

export function signalName(n: number): string {
  return SIGNALS[n] || (n >= 32 ? `SIGRT${n - 32}` : `SIG${n}`);
}

/** The access mode and notable flags of open(2). */
export function openFlags(flags: number): string[] {
  const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][flags & 3] as string;
  const out = [acc];
  const bits: [number, string][] = [
    [0o2000, "O_APPEND"],
    [0o4000, "O_NONBLOCK"],
    [0o10000, "O_DSYNC"],
    [0o40000, "O_DIRECT"],
    [0o200000, "O_DIRECTORY"],
    [0o400000, "O_NOFOLLOW"],
    [0o1000000, "O_NOATIME"],
    [0o2000000, "O_CLOEXEC"],
    [0o4000000, "O_SYNC"],
    [0o10000000, "O_PATH"],
    [0o20000000, "O_TMPFILE"],
  ];
  for (const [bit, name] of bits) if (flags & bit) out.push(name);
  return out;
}

/** CLONE_NEW* flags of ns_file_entry.ns_cflag. */
export const NS_KINDS: Record<number, string> = {
  131072: "mnt",
  33554432: "cgroup",
  67108864: "uts",
  134217728: "ipc",
  268435456: "user",
  536870912: "pid",
  1073741824: "net",
  128: "time",
};
