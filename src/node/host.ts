/**
 * The host preflight runs on, read from /proc, the file system and
 * os.networkInterfaces(): the Node implementation of HostFacts. Files are
 * looked up under `root` (the file system the restore will see); pids,
 * addresses and sockets are this host's own, where CRIU would restore
 * tasks that have no namespaces of their own. Whatever cannot be read
 * (not Linux, no permission) is reported as not known, with the reason.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { arch, machine, networkInterfaces, release } from "node:os";
import { formatAddress, parseAddress } from "../image/address.js";
import { type Fact, type HostFacts, type HostSocket, notKnown } from "../preflight/host.js";
import { readAt, under } from "./mapped-files.js";

/** Options of `nodeHost`. */
export interface NodeHostOptions {
  /** The root the restore will see (default "/", and then it is not named: see HostFacts.fileRoot). */
  root?: string;
  /** Where /proc is (default "/proc"; tests point it elsewhere). */
  proc?: string;
  /** Where /dev is (default "/dev"; tests point it elsewhere). */
  dev?: string;
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

async function text(path: string): Promise<Fact<string>> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    return notKnown(`${path}: ${errCode(e)}`);
  }
}

/** The local addresses of /proc/net/{tcp,udp}[6]: 32-bit words in host order, as hex. */
function procAddress(hex: string): string | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const b = new Uint8Array(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    const word = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    new DataView(b.buffer).setUint32(w * 4, word, true);
  }
  return formatAddress(b);
}

const TCP_LISTEN = 0x0a;
const TCP_TIME_WAIT = 0x06;

/** The sockets of one /proc/net table. */
export function parseProcNet(table: string, proto: HostSocket["proto"]): HostSocket[] {
  const out: HostSocket[] = [];
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [addr, port] = (cols[1] ?? "").split(":");
    const state = Number.parseInt(cols[3] ?? "", 16);
    const address = addr ? procAddress(addr) : undefined;
    if (!address || !port || (proto === "tcp" && state === TCP_TIME_WAIT)) continue;
    out.push({ proto, address, port: Number.parseInt(port, 16), listening: proto === "tcp" && state === TCP_LISTEN });
  }
  return out;
}

/** This host, as preflight's rules ask for it. */
export function nodeHost(options: NodeHostOptions = {}): HostFacts {
  const root = options.root ?? "/";
  const proc = options.proc ?? "/proc";
  const dev = options.dev ?? "/dev";
  return {
    ...(options.root === undefined ? {} : { fileRoot: options.root }),
    async stat(path) {
      const full = under(root, path) ?? (path === "/" ? root : undefined);
      if (!full) return notKnown(`${path} leaves the root ${root}`);
      try {
        const s = await stat(full);
        return { mode: s.mode, size: s.size };
      } catch (e) {
        const code = errCode(e);
        return code === "ENOENT" || code === "ENOTDIR" ? null : notKnown(`${full}: ${code}`);
      }
    },
    async head(path, length) {
      const full = under(root, path);
      if (!full) return notKnown(`${path} leaves the root ${root}`);
      try {
        return await readAt(full, 0, length);
      } catch (e) {
        return notKnown(`${full}: ${errCode(e)}`);
      }
    },
    async pids() {
      const max = await text(`${proc}/sys/kernel/pid_max`);
      if (typeof max !== "string") return max;
      const inUse = new Set<number>();
      try {
        for (const d of await readdir(proc)) {
          if (!/^\d+$/.test(d)) continue;
          inUse.add(Number(d));
          // Threads are not listed in /proc itself, only under their process.
          for (const t of await readdir(`${proc}/${d}/task`).catch(() => [] as string[])) inUse.add(Number(t));
        }
      } catch (e) {
        return notKnown(`${proc}: ${errCode(e)}`);
      }
      return { inUse, pidMax: Number(max.trim()) };
    },
    async addresses() {
      const out = new Set<string>();
      for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) {
          const b = parseAddress(a.address.replace(/%.*$/, ""));
          if (b) out.add(formatAddress(b));
        }
      }
      return out;
    },
    async nonlocalBind() {
      const [v4, v6] = await Promise.all([
        text(`${proc}/sys/net/ipv4/ip_nonlocal_bind`),
        text(`${proc}/sys/net/ipv6/ip_nonlocal_bind`),
      ]);
      if (typeof v4 !== "string") return v4;
      return { v4: v4.trim() === "1", v6: typeof v6 === "string" && v6.trim() === "1" };
    },
    async sockets() {
      const out: HostSocket[] = [];
      for (const [file, proto] of [
        ["tcp", "tcp"],
        ["tcp6", "tcp"],
        ["udp", "udp"],
        ["udp6", "udp"],
      ] as const) {
        const t = await text(`${proc}/net/${file}`);
        // A kernel without IPv6 has no tcp6/udp6; without tcp, nothing can be said.
        if (typeof t !== "string") {
          if (file.endsWith("6")) continue;
          return t;
        }
        out.push(...parseProcNet(t, proto));
      }
      return out;
    },
    async cpu() {
      const info = await text(`${proc}/cpuinfo`);
      if (typeof info !== "string") return info;
      const line = /^(?:flags|Features)\s*:(.*)$/m.exec(info);
      return { arch: machine?.() ?? arch(), flags: new Set((line?.[1] ?? "").trim().split(/\s+/).filter(Boolean)) };
    },
    async userfaultfd() {
      // The sysctl exists exactly when the kernel is built with userfaultfd; /dev/userfaultfd since Linux 6.1.
      for (const p of [`${proc}/sys/vm/unprivileged_userfaultfd`, `${dev}/userfaultfd`]) {
        try {
          await stat(p);
          return true;
        } catch {}
      }
      const ns = await text(`${proc}/sys/kernel/pid_max`);
      return typeof ns === "string" ? false : notKnown(`${proc} cannot be read`);
    },
    async kernel() {
      try {
        return { release: release(), namespaces: new Set(await readdir(`${proc}/self/ns`)) };
      } catch (e) {
        return notKnown(`${proc}/self/ns: ${errCode(e)}`);
      }
    },
  };
}
