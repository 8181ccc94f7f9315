/**
 * What preflight needs to know about the host a checkpoint would be restored
 * on. Every fact may be unknown (no permission, no such file on this kernel,
 * a fake host that leaves it out); a rule that needs an unknown fact says
 * "not checked" with the reason, and never "ok".
 */

/** Why a fact could not be read. */
export interface NotKnown {
  readonly notKnown: string;
}

/** A fact, or why it is not known. */
export type Fact<T> = T | NotKnown;

/** True when the fact was read. */
export function known<T>(f: Fact<T>): f is T {
  return !(typeof f === "object" && f !== null && Object.hasOwn(f, "notKnown"));
}

/** A fact that could not be read, and why. */
export function notKnown(why: string): NotKnown {
  return { notKnown: why };
}

/** What stat(2) says of a path, as much of it as CRIU compares. */
export interface HostStat {
  /** st_mode: file type and permission bits, as CRIU's reg_file_entry.mode holds them. */
  mode: number;
  size: number;
}

/** A socket of the host's network namespace, from /proc/net/{tcp,tcp6,udp,udp6}. */
export interface HostSocket {
  proto: "tcp" | "udp";
  /** The local address in formatAddress form ("0.0.0.0", "::", "127.0.0.1", "::ffff:7f00:1"). */
  address: string;
  port: number;
  /** TCP LISTEN. */
  listening: boolean;
}

/** The process ids in use and the largest one the kernel hands out. */
export interface HostPids {
  /** Every pid and tid that exists now. */
  inUse: ReadonlySet<number>;
  /** /proc/sys/kernel/pid_max: pids are below it. */
  pidMax: number;
}

/** The CPU, as far as CRIU's checks read it. */
export interface HostCpu {
  /** "x86_64", "aarch64", … (uname -m). */
  arch: string;
  /** /proc/cpuinfo flag names ("fpu", "fxsr", "xsave", "avx2", …). */
  flags: ReadonlySet<string>;
  /** CPUID leaf 0xD: the xsave features the kernel enabled, and the xsave area sizes; unknown without CPUID. */
  xfeaturesMask?: bigint;
  xsaveSize?: number;
  xsaveSizeMax?: number;
}

/** The running kernel. */
export interface HostKernel {
  /** uname -r, e.g. "6.1.0-50-amd64". */
  release: string;
  /** Namespace kinds this kernel has (/proc/self/ns/<kind>): "pid", "net", "time", … */
  namespaces: ReadonlySet<string>;
}

/**
 * The host, as preflight's rules ask for it. Paths are as the restored
 * processes will see them (absolute, in the checkpoint's mount namespace);
 * the implementation maps them onto the restore's root.
 */
export interface HostFacts {
  /**
   * The file system paths are looked up in, when it was named (a
   * container's rootfs, or "/"); undefined means the host's own. A
   * checkpoint with a mount namespace of its own is not checked against
   * the host's own files.
   */
  readonly fileRoot?: string;
  /** stat(2) of a path (following symlinks, as CRIU's open does), or null when it does not exist. */
  stat(path: string): Promise<Fact<HostStat | null>>;
  /** The first `length` bytes of a file (fewer when it is shorter). */
  head(path: string, length: number): Promise<Fact<Uint8Array>>;
  /** Pids and tids in use. */
  pids(): Promise<Fact<HostPids>>;
  /** Addresses configured on this host's interfaces, in formatAddress form. */
  addresses(): Promise<Fact<ReadonlySet<string>>>;
  /** net.ipv4.ip_nonlocal_bind / net.ipv6.ip_nonlocal_bind: binding to absent addresses is allowed. */
  nonlocalBind(): Promise<Fact<{ v4: boolean; v6: boolean }>>;
  /** TCP and UDP sockets bound on this host. */
  sockets(): Promise<Fact<readonly HostSocket[]>>;
  /** The CPU: architecture, feature flags, and the xsave facts when CPUID can be read. */
  cpu(): Promise<Fact<HostCpu>>;
  /** The running kernel's release and namespace kinds. */
  kernel(): Promise<Fact<HostKernel>>;
  /** Whether userfaultfd(2), which lazy pages need, is in this kernel. */
  userfaultfd(): Promise<Fact<boolean>>;
}

/** A host that knows nothing: every rule says "not checked". The base for fake hosts in tests. */
export function unknownHost(why = "no host facts given"): HostFacts {
  const nk = async () => notKnown(why);
  return {
    stat: nk,
    head: nk,
    pids: nk,
    addresses: nk,
    nonlocalBind: nk,
    sockets: nk,
    cpu: nk,
    kernel: nk,
    userfaultfd: nk,
  };
}
