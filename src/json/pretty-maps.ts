import { SOCKET_NAMES, TASK_STATE_NAMES, VMA_STATUS } from "../image/names.js";

/**
 * The tables crit's --pretty mode uses to show numbers: flag names, small
 * dictionaries and device numbers. Values are the kernel's and CRIU's.
 */

type FlagMap = readonly (readonly [name: string, bit: number])[];

const O = (octal: string) => Number.parseInt(octal, 8);

export const FLAG_MAPS: Record<string, FlagMap> = {
  "mmap.prot": [
    ["PROT_READ", 0x1],
    ["PROT_WRITE", 0x2],
    ["PROT_EXEC", 0x4],
  ],
  "mmap.flags": [
    ["MAP_SHARED", 0x1],
    ["MAP_PRIVATE", 0x2],
    ["MAP_DROPPABLE", 0x08],
    ["MAP_ANON", 0x20],
    ["MAP_GROWSDOWN", 0x0100],
  ],
  // CRIU's VMA_* status bits, as crit names them (its table has no VMA_AREA_GUARD).
  "mmap.status": [
    ["VMA_AREA_NONE", 0],
    ["VMA_AREA_REGULAR", VMA_STATUS.REGULAR],
    ["VMA_AREA_STACK", VMA_STATUS.STACK],
    ["VMA_AREA_VSYSCALL", VMA_STATUS.VSYSCALL],
    ["VMA_AREA_VDSO", VMA_STATUS.VDSO],
    ["VMA_AREA_HEAP", VMA_STATUS.HEAP],
    ["VMA_FILE_PRIVATE", VMA_STATUS.FILE_PRIVATE],
    ["VMA_FILE_SHARED", VMA_STATUS.FILE_SHARED],
    ["VMA_ANON_SHARED", VMA_STATUS.ANON_SHARED],
    ["VMA_ANON_PRIVATE", VMA_STATUS.ANON_PRIVATE],
    ["VMA_AREA_SYSVIPC", VMA_STATUS.SYSVIPC],
    ["VMA_AREA_SOCKET", VMA_STATUS.SOCKET],
    ["VMA_AREA_VVAR", VMA_STATUS.VVAR],
    ["VMA_AREA_AIORING", VMA_STATUS.AIORING],
    ["VMA_AREA_MEMFD", VMA_STATUS.MEMFD],
    ["VMA_AREA_SHSTK", VMA_STATUS.SHSTK],
    ["VMA_AREA_UPROBES", VMA_STATUS.UPROBES],
    ["VMA_UNSUPP", 2 ** 31],
  ],
  // open(2) flags as x86-64 Linux numbers them.
  "rfile.flags": [
    ["O_WRONLY", O("1")],
    ["O_RDWR", O("2")],
    ["O_CREAT", O("100")],
    ["O_EXCL", O("200")],
    ["O_NOCTTY", O("400")],
    ["O_TRUNC", O("1000")],
    ["O_APPEND", O("2000")],
    ["O_NONBLOCK", O("4000")],
    ["O_DSYNC", O("10000")],
    ["FASYNC", O("20000")],
    ["O_DIRECT", O("40000")],
    ["O_LARGEFILE", O("100000")],
    ["O_DIRECTORY", O("200000")],
    ["O_NOFOLLOW", O("400000")],
    ["O_NOATIME", O("1000000")],
    ["O_CLOEXEC", O("2000000")],
  ],
  "pmap.flags": [
    ["PE_PARENT", 1 << 0],
    ["PE_LAZY", 1 << 1],
    ["PE_PRESENT", 1 << 2],
  ],
  "seals.flags": [
    ["F_SEAL_SEAL", 0x0001],
    ["F_SEAL_SHRINK", 0x0002],
    ["F_SEAL_GROW", 0x0004],
    ["F_SEAL_WRITE", 0x0008],
    ["F_SEAL_FUTURE_WRITE", 0x0010],
  ],
};

/** Names of set bits joined by " | ", and any bits left over in hex. */
export function showFlags(value: bigint, map: FlagMap): string {
  const names: string[] = [];
  let rest = value;
  for (const [name, bit] of map) {
    if (value & BigInt(bit)) names.push(name);
    rest &= ~BigInt(bit);
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.join(" | ");
}

/** Inverse of showFlags; names not in the map may be numbers in any base. */
export function readFlags(text: string, map: FlagMap): bigint | undefined {
  if (text === "") return 0n;
  let v = 0n;
  for (const part of text.split("|")) {
    const name = part.trim();
    const bit = map.find(([n]) => n === name)?.[1];
    const n = bit !== undefined ? BigInt(bit) : parsePyInt(name);
    if (n === undefined) return undefined;
    v += n;
  }
  return v;
}

type DictMap = Readonly<Record<string, Readonly<Record<number, string>>>>;

/** crit's (criu).dict tables: "gen" for task states, "sk" for sockets. */
export const DICT_MAPS: Record<string, DictMap> = {
  gen: { task_state: TASK_STATE_NAMES },
  sk: SOCKET_NAMES,
};

/** The number a dict name stands for, if it is one. */
export function readDict(map: Readonly<Record<number, string>>, name: string): number | undefined {
  for (const [k, v] of Object.entries(map)) if (v === name) return Number(k);
  return undefined;
}

const MINORBITS = 20; // the kernel's internal dev_t: major << 20 | minor

/** "major:minor" of a device number, in the kernel's (dev) or glibc's (odev) encoding. */
export function showDev(v: bigint, odev: boolean): string {
  if (odev) {
    const major = ((v >> 8n) & 0xfffn) | ((v >> 32n) & ~0xfffn);
    // glibc's gnu_dev_minor, which os.minor is: 32 bits, whatever the value holds above them.
    const minor = (v & 0xffn) | ((v >> 12n) & 0xffffff00n);
    return `${major}:${minor}`;
  }
  return `${v >> BigInt(MINORBITS)}:${v & ((1n << BigInt(MINORBITS)) - 1n)}`;
}

export function readDev(text: string, odev: boolean): bigint | undefined {
  const m = /^\s*(-?\d+)\s*:\s*(-?\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const major = BigInt(m[1] as string);
  const minor = BigInt(m[2] as string);
  if (odev) return ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
  return (major << BigInt(MINORBITS)) | minor;
}

/** Python's int(text, 0): decimal, 0x, 0o or 0b, optional sign and underscores. */
export function parsePyInt(text: string): bigint | undefined {
  // Python's integer literals: an underscore only between digits, or after a base's prefix.
  const m = /^\s*([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)\s*$/.exec(
    text,
  );
  if (!m) return undefined;
  const body = (m[2] as string).replace(/_/g, "");
  // BigInt reads the 0x, 0o and 0b prefixes, either case, as Python does.
  const v = BigInt(body);
  return m[1] === "-" ? -v : v;
}
