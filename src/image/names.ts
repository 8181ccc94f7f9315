/**
 * Names CRIU's tools give to kernel numbers that the schema stores as plain
 * integers (socket families, types, states, protocols; task states), and
 * the names of schema enums by value. Shared by crit's --pretty JSON and the
 * TCP records.
 */
import type { DescEnum, Message } from "@bufbuild/protobuf";
import { WireCursor } from "../framing/wire.js";
import { enumSchema } from "./registry.js";

/** crit's names of socket families, types, states and protocols, by number, as `--pretty` shows them. */
export const SOCKET_NAMES = {
  family: { 1: "UNIX", 2: "INET", 10: "INET6", 16: "NETLINK", 17: "PACKET" },
  type: { 1: "STREAM", 2: "DGRAM", 3: "RAW", 5: "SEQPACKET", 10: "PACKET" },
  state: {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
  },
  proto: { 0: "IP", 6: "TCP", 17: "UDP", 136: "UDPLITE" },
} as const satisfies Record<string, Record<number, string>>;

/** IPPROTO_TCP: inet_sk_entry.proto of a TCP socket. */
export const IPPROTO_TCP = 6;

/** CRIU's VMA_* status bits of vma_entry.status (criu/include/image.h). */
export const VMA_STATUS = {
  REGULAR: 1 << 0,
  STACK: 1 << 1,
  VSYSCALL: 1 << 2,
  VDSO: 1 << 3,
  HEAP: 1 << 5,
  FILE_PRIVATE: 1 << 6,
  FILE_SHARED: 1 << 7,
  ANON_SHARED: 1 << 8,
  ANON_PRIVATE: 1 << 9,
  SYSVIPC: 1 << 10,
  SOCKET: 1 << 11,
  VVAR: 1 << 12,
  AIORING: 1 << 13,
  MEMFD: 1 << 14,
  SHSTK: 1 << 15,
  GUARD: 1 << 16,
  UPROBES: 1 << 17,
} as const;

/** crit's names of pstree task states, as `--pretty` shows them (3 is really TASK_STOPPED and 6 a zombie; crit's labels are kept for compatibility). */
export const TASK_STATE_NAMES = { 1: "Alive", 3: "Zombie", 6: "Stopped" } as const;

const enumNames = new Map<string, Map<number, string>>();

/**
 * The name of value `n` of a schema enum, or undefined: the enum's schema
 * (fd_typesSchema) or its proto name ("fd_types").
 */
export function enumValueName(e: DescEnum | string, n: number): string | undefined {
  const enumName = typeof e === "string" ? e : e.typeName;
  let m = enumNames.get(enumName);
  if (!m) {
    const desc = typeof e === "string" ? enumSchema(e) : e;
    if (!desc) return undefined;
    m = new Map(desc.values.map((v) => [v.number, v.name]));
    enumNames.set(enumName, m);
  }
  return m.get(n);
}

/**
 * The number in closed-enum field `no` of `msg` where the schema has no
 * value of that number, or undefined. protobuf-es keeps such a number among
 * the unknown fields (the varint without its tag) and gives the field its
 * default, where CRIU's C code sees the number itself.
 */
export function unknownEnumValue(msg: Message, no: number): number | undefined {
  // The last one, as protobuf's last value wins.
  const u = msg.$unknown?.filter((f) => f.no === no && f.wireType === 0).at(-1);
  if (!u) return undefined;
  const c = new WireCursor(u.data, 0, u.data.length);
  // Enums are int32: a negative number is a ten-byte varint whose low half is the value.
  return c.varint() ? c.lo | 0 : undefined;
}
