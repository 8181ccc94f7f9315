/** Namespaces as plain data: network devices and addresses, hostname, IPC objects, id maps, time offsets. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { formatBytes } from "../image/address.js";

/** A network device of a net namespace. */
export interface NetDeviceView {
  name: string;
  ifindex: number;
  type: string;
  mtu: number;
  up: boolean;
  mac: string | null;
}

/** An address of a network device, from the raw ifaddr image. */
export interface NetAddressView {
  ifindex: number;
  label: string | null;
  address: string;
  prefixLength: number;
}

/** The checkpoint's namespaces by kind: net (devices, addresses), uts, ipc, pid, user, time. */
export interface NamespacesView {
  net: { id: number; devices: NetDeviceView[]; addresses: NetAddressView[] | null }[];
  uts: { id: number; hostname: string; domainname: string }[];
  ipc: { id: number; sharedMemory: number; semaphores: number; messageQueues: number }[];
  user: {
    id: number;
    uidMap: { first: number; lowerFirst: number; count: number }[];
    gidMap: { first: number; lowerFirst: number; count: number }[];
  }[];
  time: { id: number; monotonic: string; boottime: string }[];
  /** Mount namespaces (see mounts) and pid namespaces, by id. */
  mnt: number[];
  pid: number[];
}

const ND_TYPES: Record<number, string> = {
  1: "loopback",
  2: "veth",
  3: "tun",
  4: "extlink",
  5: "venet",
  6: "bridge",
  7: "macvlan",
  8: "sit",
};

/** Images named `<prefix>-<id>.img`, with their id. */
function byId(cp: Checkpoint, prefix: string): [name: string, id: number][] {
  const re = new RegExp(`^${prefix}-(\\d+)\\.img$`);
  return cp.names().flatMap((n) => {
    const m = re.exec(n);
    return m ? [[n, Number(m[1])] as [string, number]] : [];
  });
}

const IFADDR_MAGIC = 0x47361222;
const RTM_NEWADDR = 20;

/**
 * Addresses from the raw ifaddr image: `ip addr save` output, a magic word
 * then netlink RTM_NEWADDR messages (nlmsghdr, ifaddrmsg, attributes).
 * null when the bytes are not in that form.
 */
export function parseIfaddr(b: Uint8Array): NetAddressView[] | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 4 || v.getUint32(0, true) !== IFADDR_MAGIC) return null;
  const out: NetAddressView[] = [];
  let at = 4;
  while (at + 16 <= b.length) {
    const len = v.getUint32(at, true);
    const type = v.getUint16(at + 4, true);
    if (len < 16 || at + len > b.length) return null;
    if (type === RTM_NEWADDR && len >= 24) {
      const prefixLength = b[at + 17] as number;
      const ifindex = v.getUint32(at + 20, true);
      let local: Uint8Array | undefined;
      let address: Uint8Array | undefined;
      let label: string | null = null;
      let a = at + 24;
      while (a + 4 <= at + len) {
        const alen = v.getUint16(a, true);
        const atype = v.getUint16(a + 2, true);
        if (alen < 4 || a + alen > at + len) break;
        const data = b.subarray(a + 4, a + alen);
        if (atype === 1) address = data;
        else if (atype === 2) local = data;
        else if (atype === 3) label = new TextDecoder().decode(data).replace(/\0.*$/, "");
        a += (alen + 3) & ~3;
      }
      const addr = local ?? address;
      if (addr && (addr.length === 4 || addr.length === 16))
        out.push({ ifindex, label, address: formatBytes(addr), prefixLength });
    }
    at += (len + 3) & ~3;
  }
  return out;
}

/** The namespaces view of a checkpoint. */
export function namespaces(cp: Checkpoint): NamespacesView {
  const net = byId(cp, "netns").map(([, id]) => {
    const devices = (cp.kind(`netdev-${id}.img`, "NETDEV")?.entries ?? []).map((d) => ({
      name: d.name,
      ifindex: d.ifindex,
      type: ND_TYPES[d.type] ?? String(d.type),
      mtu: d.mtu,
      up: (d.flags & 1) !== 0,
      mac:
        d.address && d.address.length > 0
          ? Array.from(d.address, (x) => x.toString(16).padStart(2, "0")).join(":")
          : null,
    }));
    const raw = cp.has(`ifaddr-${id}.img`) ? cp.bytes(`ifaddr-${id}.img`) : undefined;
    return { id, devices, addresses: raw ? parseIfaddr(raw) : null };
  });
  const uts = byId(cp, "utsns").map(([n, id]) => {
    const e = cp.first(n, "UTSNS");
    return { id, hostname: e?.nodename ?? "", domainname: e?.domainname ?? "" };
  });
  const count = (name: string, kind: "IPCNS_SHM" | "IPCNS_SEM" | "IPCNS_MSG") =>
    cp.kind(name, kind)?.entries.length ?? 0;
  const ipc = byId(cp, "ipcns-var").map(([, id]) => ({
    id,
    sharedMemory: count(`ipcns-shm-${id}.img`, "IPCNS_SHM"),
    semaphores: count(`ipcns-sem-${id}.img`, "IPCNS_SEM"),
    messageQueues: count(`ipcns-msg-${id}.img`, "IPCNS_MSG"),
  }));
  const user = byId(cp, "userns").map(([n, id]) => {
    const e = cp.first(n, "USERNS");
    const map = (l: { first: number; lowerFirst: number; count: number }[] = []) =>
      l.map((x) => ({ first: x.first, lowerFirst: x.lowerFirst, count: x.count }));
    return { id, uidMap: map(e?.uidMap), gidMap: map(e?.gidMap) };
  });
  const time = byId(cp, "timens").map(([n, id]) => {
    const e = cp.first(n, "TIMENS");
    const ts = (t?: { tvSec: bigint; tvNsec: bigint }) => (t ? `${t.tvSec}.${String(t.tvNsec).padStart(9, "0")}` : "0");
    return { id, monotonic: ts(e?.monotonic), boottime: ts(e?.boottime) };
  });
  const taskNs = (f: "mntNsId" | "pidNsId") => {
    const s = new Set<number>();
    for (const t of cp.tasks()) {
      const ids = cp.first(`ids-${t.pid}.img`, "IDS");
      if (ids && Object.hasOwn(ids, f)) s.add(ids[f] as number);
    }
    return [...s].sort((a, b) => a - b);
  };
  return { net, uts, ipc, user, time, mnt: taskNs("mntNsId"), pid: taskNs("pidNsId") };
}
