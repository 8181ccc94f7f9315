/**
 * Rule 3: TCP and UDP sockets. Without a network namespace of its own the
 * checkpoint's sockets are bound again in the host's: each local address
 * must exist there and each port must be free. Connected TCP sockets need
 * --tcp-established (or --tcp-close). With a namespace of its own CRIU
 * restores the addresses from the images, unless the namespace is external,
 * when the engine must set them up.
 *
 * CRIU's restore, criu/sk-inet.c: open_inet_sk sets SO_REUSEADDR and
 * SO_REUSEPORT, refuses "Connected TCP socket in image" without the option,
 * and inet_bind binds IPv6 sockets with IP_FREEBIND (no address check) but
 * IPv4 ones without; connected sockets are bound by libsoccr
 * (soccr/soccr.c, libsoccr_restore) in repair mode, which forces port reuse
 * but needs the address, IPv6 included.
 */
import { asV4, formatWords, parseAddress, wordsToBytes } from "../../image/address.js";
import { IPPROTO_TCP } from "../../image/names.js";
import { socketFields } from "../../inspect/inet.js";
import type { PreflightContext } from "../context.js";
import { type HostSocket, known } from "../host.js";
import { type Finding, READ_HOST } from "../report.js";
import type { RuleRun } from "../rule.js";

/** What the rule needs of a socket entry. */
interface Sock {
  id: number;
  image: string;
  proto: number;
  /** CRIU's tcp_connection(): a TCP socket with a peer port is restored connected. */
  connected: boolean;
  local: { address: string; port: number };
}

const connected = (s: Sock) => s.connected;

const isWildcard = (b: Uint8Array) => b.every((x) => x === 0);

/** Whether the host has this address: listed on an interface, or in 127/8, which lo answers for as a whole. */
function hostHas(addresses: ReadonlySet<string>, bytes: Uint8Array, text: string): boolean {
  if (addresses.has(text)) return true;
  const v4 = asV4(bytes);
  if (!v4) return false;
  const dotted = `${v4[0]}.${v4[1]}.${v4[2]}.${v4[3]}`;
  if (addresses.has(dotted)) return true;
  return v4[0] === 127 && [...addresses].some((a) => a.startsWith("127."));
}

/** Whether binding `a` collides with a host socket bound to `b` (same address, or a wildcard of either; dual-stack). */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (isWildcard(a) || isWildcard(b)) return true;
  const x = asV4(a);
  const y = asV4(b);
  if (x || y) return !!x && !!y && x.every((v, i) => v === y[i]);
  return a.every((v, i) => v === b[i]);
}

/** Distinct findings of one kind listed before the rest are only counted (a million sockets, a million addresses). */
const MAX_FINDINGS = 50;

const SOCKET_PROTO: Record<number, HostSocket["proto"]> = { [IPPROTO_TCP]: "tcp", 17: "udp" };

/** The inet rule: one pass over the sockets (a checkpoint may hold a million), keeping only findings. */
export async function inetRule(ctx: PreflightContext): Promise<RuleRun> {
  const findings = new Map<string, Finding>();
  // Per kind of problem, the sockets beyond the first MAX_FINDINGS distinct subjects are counted, not listed.
  const kinds = new Map<string, { shown: number; more: number; last: Finding }>();
  const add = (key: string, s: Sock, f: Omit<Finding, "rule" | "image" | "entry">) => {
    const had = findings.get(key);
    if (had) {
      const m = /^(sockets? id )(.*)$/.exec(had.entry);
      const ids = m ? (m[2] as string).split(", ") : [];
      if (ids.length < 8) had.entry = `sockets id ${[...ids, String(s.id)].join(", ")}`;
      return;
    }
    const kind = key.split(" ")[0] as string;
    const k = kinds.get(kind);
    if (k && k.shown >= MAX_FINDINGS) {
      k.more++;
      return;
    }
    const finding: Finding = { rule: "inet", image: s.image, entry: `socket id ${s.id}`, ...f };
    findings.set(key, finding);
    if (k) {
      k.shown++;
      k.last = finding;
    } else kinds.set(kind, { shown: 1, more: 0, last: finding });
  };
  const summaries = () =>
    [...kinds].flatMap(([kind, k]) =>
      k.more
        ? [
            {
              ...k.last,
              entry: "",
              subject: `${k.more} more`,
              problem: `and ${k.more} more sockets with the same problem (${kind}), counted, not listed`,
              criuError: "",
            },
          ]
        : [],
    );
  const own = ctx.own.has("net");
  const ext = own ? externalNetns(ctx) : undefined;
  const check = own ? (ext ? externalCheck(ext, add) : undefined) : await hostCheck(ctx, add);
  let checked = 0;
  for (const { f, image } of socketFields(ctx.cp)) {
    checked++;
    const s: Sock = {
      id: f.id,
      image,
      proto: f.proto,
      connected: f.proto === IPPROTO_TCP && f.dstPort !== 0,
      local: { address: f.srcAddr.length ? formatWords(f.srcAddr) : "", port: f.srcPort },
    };
    if (connected(s)) {
      add("established", s, {
        severity: "needs",
        subject: "connected TCP sockets",
        problem: "the checkpoint holds connected TCP sockets",
        criuError: "inet: Connected TCP socket in image",
        fix: "Restore with --tcp-established (both peers' sockets must be restored together, or the peer must still hold the connection); --tcp-close closes them instead.",
        option: "--tcp-established",
      });
    }
    if (!check || !SOCKET_PROTO[s.proto] || s.local.port === 0 || s.local.address === "") continue;
    // CRIU's words hold the kernel's bytes: 4 for IPv4, 16 for IPv6; anything else is not an address to bind.
    if (f.srcAddr.length === 1 || f.srcAddr.length === 4) check(s, wordsToBytes(f.srcAddr));
  }
  return {
    findings: [...findings.values(), ...summaries()],
    checked,
    ...(own && !ext
      ? {
          note: "the checkpoint has its own network namespace: CRIU restores its devices and addresses from the images",
        }
      : {}),
  };
}

type Add = (key: string, s: Sock, f: Omit<Finding, "rule" | "image" | "entry">) => void;

/** In an external namespace the engine sets the addresses up: say which (loopback and wildcards need nothing). */
function externalCheck(ext: string, add: Add): (s: Sock, b: Uint8Array) => void {
  return (s, b) => {
    if (isWildcard(b) || asV4(b)?.[0] === 127 || s.local.address === "::1") return;
    add(`ext ${s.local.address}`, s, {
      severity: "needs",
      subject: s.local.address,
      problem: `the network namespace is external (${ext}): the engine must configure this address in the namespace it gives the restore`,
      criuError: connected(s)
        ? "Can't bind inet socket back: Cannot assign requested address"
        : `inet: Can't bind inet socket (id ${s.id}): Cannot assign requested address`,
      fix: `Give the container ${s.local.address} again (same network, static IP), or rewrite the address first (criu-image tcp rewrite / move).`,
    });
  };
}

/** In the host's namespace: the address must be there and the port free. */
async function hostCheck(ctx: PreflightContext, add: Add): Promise<(s: Sock, b: Uint8Array) => void> {
  const [addresses, nonlocal, hostSockets] = await Promise.all([
    ctx.host.addresses(),
    ctx.host.nonlocalBind(),
    ctx.host.sockets(),
  ]);
  const byPort = new Map<string, { s: HostSocket; b: Uint8Array }[]>();
  if (known(hostSockets)) {
    for (const h of hostSockets) {
      const b = parseAddress(h.address);
      if (!b) continue;
      const k = `${h.proto}:${h.port}`;
      byPort.set(k, [...(byPort.get(k) ?? []), { s: h, b }]);
    }
  }
  return (s, b) => {
    const endpoint = `${s.local.address}:${s.local.port}`;
    const v4 = !!asV4(b);
    // IPv6 sockets CRIU binds itself get IP_FREEBIND; libsoccr binds connected ones without.
    const needsAddress = !isWildcard(b) && (v4 || connected(s));
    if (needsAddress) {
      if (!known(addresses)) {
        add(`addr? ${s.local.address}`, s, {
          severity: "not-checked",
          subject: s.local.address,
          problem: `cannot list this host's addresses: ${addresses.notKnown}`,
          criuError: "",
          fix: READ_HOST,
        });
      } else if (!hostHas(addresses, b, s.local.address)) {
        const allowed = known(nonlocal) && (v4 ? nonlocal.v4 : nonlocal.v6);
        if (!allowed) {
          add(`addr ${s.local.address}`, s, {
            severity: "blocks",
            subject: s.local.address,
            problem: "no interface of this host has this address",
            criuError: connected(s)
              ? "Can't bind inet socket back: Cannot assign requested address"
              : `inet: Can't bind inet socket (id ${s.id}): Cannot assign requested address`,
            fix: `Add ${s.local.address} to an interface (ip addr add), or rewrite the socket's address (criu-image tcp rewrite).`,
          });
        }
      }
    }
    // Connected sockets are bound in repair mode, which forces port reuse.
    if (connected(s)) return;
    const proto = SOCKET_PROTO[s.proto] as HostSocket["proto"];
    if (!known(hostSockets)) {
      add(`port? ${proto}`, s, {
        severity: "not-checked",
        subject: `${proto} ports`,
        problem: `cannot list this host's sockets: ${hostSockets.notKnown}`,
        criuError: "",
        fix: READ_HOST,
      });
      return;
    }
    const clash = (byPort.get(`${proto}:${s.local.port}`) ?? []).filter((h) => overlaps(b, h.b));
    if (clash.length === 0) return;
    const listener = clash.find((h) => h.s.listening);
    const other = listener ?? (clash[0] as { s: HostSocket });
    add(`port ${proto} ${endpoint}`, s, {
      severity: listener ? "blocks" : "warns",
      subject: `${proto} ${endpoint}`,
      problem: listener
        ? `a socket of this host listens on ${other.s.address}:${other.s.port}`
        : `a ${proto} socket of this host is bound to ${other.s.address}:${other.s.port}; the bind fails unless it set SO_REUSEADDR`,
      criuError: `inet: Can't bind inet socket (id ${s.id}): Address already in use`,
      fix: `Stop what holds ${proto} port ${s.local.port} (ss -lnp 'sport = :${s.local.port}'), or restore in a network namespace of its own.`,
    });
  };
}

/** The external key of the checkpoint's network namespace, or undefined when CRIU restores it itself. */
function externalNetns(ctx: PreflightContext): string | undefined {
  for (const name of ctx.cp.names()) {
    if (!/^netns-\d+\.img$/.test(name)) continue;
    const e = ctx.cp.first(name, "NETNS");
    if (e?.extKey) return e.extKey;
  }
  return undefined;
}
