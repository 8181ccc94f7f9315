/**
 * parseIfaddr against iproute2: `ip -j addr showdump` reads the same
 * saved netlink dump (the ifaddr image is `ip addr save` output), for every
 * image of the corpus and for made-up dumps of any mix of messages and
 * attributes. Dumps that are not well formed give null.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIfaddr } from "../../src/inspect/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const haveIp = spawnSync("ip", ["-V"]).status === 0;
if (!haveIp && process.env.CI) throw new Error("ip (iproute2) is missing: the ifaddr oracle must run in CI");

interface IpAddr {
  index: number;
  local?: string;
  prefixlen: number;
  label?: string;
  deleted?: boolean;
}
const ip = (dump: Uint8Array) =>
  (
    JSON.parse(execFileSync("ip", ["-j", "addr", "showdump"], { input: dump }).toString() || "[]") as {
      addr_info: IpAddr[];
    }[]
  )
    .flatMap((x) => x.addr_info)
    .filter((a) => !a.deleted)
    .map((a) => ({ ifindex: a.index, address: a.local, prefixLength: a.prefixlen, label: a.label ?? null }));

/** One netlink message: nlmsghdr, ifaddrmsg, attributes (each padded to 4). */
function message(type: number, family: number, prefixlen: number, index: number, attrs: [number, Uint8Array][]) {
  const body = attrs.map(([t, d]) => {
    const a = new Uint8Array((4 + d.length + 3) & ~3);
    new DataView(a.buffer).setUint16(0, 4 + d.length, true);
    new DataView(a.buffer).setUint16(2, t, true);
    a.set(d, 4);
    return a;
  });
  const len = 24 + body.reduce((s, a) => s + a.length, 0);
  const m = new Uint8Array(len);
  const v = new DataView(m.buffer);
  v.setUint32(0, len, true);
  v.setUint16(4, type, true);
  m[16] = family;
  m[17] = prefixlen;
  v.setUint32(20, index, true);
  let at = 24;
  for (const a of body) {
    m.set(a, at);
    at += a.length;
  }
  return m;
}
const dump = (messages: Uint8Array[]) => {
  const out = new Uint8Array(4 + messages.reduce((s, m) => s + m.length, 0));
  new DataView(out.buffer).setUint32(0, 0x47361222, true);
  let at = 4;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
};

describe.runIf(haveIp)("parseIfaddr against ip addr showdump", () => {
  it("reads every ifaddr image of the corpus as ip does", () => {
    let n = 0;
    for (const s of readdirSync(join(corpusRoot, "images"))) {
      for (const f of readdirSync(join(corpusRoot, "images", s)).filter((x) => x.startsWith("ifaddr-"))) {
        const b = new Uint8Array(readFileSync(join(corpusRoot, "images", s, f)));
        expect(parseIfaddr(b), `${s}/${f}`).toEqual(ip(b));
        n++;
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it("reads any mix of address messages and attributes as ip does (property)", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/).map((s) => new TextEncoder().encode(`${s}\0`));
    const addr = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const msg = fc.oneof(
      fc.record({
        v6: fc.boolean(),
        type: fc.constantFrom(20, 20, 20, 16),
        prefixlen: fc.integer({ min: 0, max: 128 }),
        index: fc.integer({ min: 1, max: 1000 }),
        local: fc.option(addr(16), { nil: undefined }),
        address: fc.option(addr(16), { nil: undefined }),
        label: fc.option(label, { nil: undefined }),
        other: fc.option(fc.uint8Array({ maxLength: 9 }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 6 }), (ms) => {
        const bytes = dump(
          ms.map((m) => {
            const cut = (a?: Uint8Array) => (a ? a.subarray(0, m.v6 ? 16 : 4) : undefined);
            const attrs: [number, Uint8Array][] = [];
            if (m.other) attrs.push([8, m.other]);
            const l = cut(m.local);
            const a = cut(m.address);
            if (a) attrs.push([1, a]);
            if (l) attrs.push([2, l]);
            if (m.label) attrs.push([3, m.label]);
            return message(m.type, m.v6 ? 10 : 2, m.v6 ? m.prefixlen : m.prefixlen % 33, m.index, attrs);
          }),
        );
        expect(parseIfaddr(bytes)).toEqual(ip(bytes).filter((x) => x.address !== undefined));
      }),
      { numRuns: 60, seed: 31 },
    );
  });
});

describe("parseIfaddr on dumps that are not well formed", () => {
  const one = message(20, 2, 24, 2, [[2, new Uint8Array([10, 0, 0, 1])]]);
  it("null without the magic, or with a message shorter than its header or longer than the dump", () => {
    expect(parseIfaddr(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(parseIfaddr(dump([one]).fill(0, 0, 4))).toBeNull();
    const short = dump([one]);
    new DataView(short.buffer).setUint32(4, 12, true);
    expect(parseIfaddr(short)).toBeNull();
    const long = dump([one]);
    new DataView(long.buffer).setUint32(4, one.length + 4, true);
    expect(parseIfaddr(long)).toBeNull();
    expect(parseIfaddr(dump([one]))).toEqual([{ ifindex: 2, address: "10.0.0.1", prefixLength: 24, label: null }]);
    // A trailing piece shorter than a message header is ignored, as the kernel's parser does.
    expect(parseIfaddr(new Uint8Array([...dump([one]), 1, 2, 3]))).toHaveLength(1);
  });

  it("steps over bare headers and addresses of another length; an empty label at the very end is read", () => {
    // NLMSG_NOOP: a header and nothing else.
    const noop = new Uint8Array(16);
    new DataView(noop.buffer).setUint32(0, 16, true);
    new DataView(noop.buffer).setUint16(4, 1, true);
    const odd = message(20, 2, 24, 3, [[2, new Uint8Array(8)]]);
    expect(parseIfaddr(dump([noop, odd, one]))).toEqual([
      { ifindex: 2, address: "10.0.0.1", prefixLength: 24, label: null },
    ]);
    const labelled = message(20, 2, 24, 2, [
      [2, new Uint8Array([10, 0, 0, 1])],
      [3, new Uint8Array(0)],
    ]);
    expect(parseIfaddr(dump([labelled]))).toEqual([{ ifindex: 2, address: "10.0.0.1", prefixLength: 24, label: "" }]);
  });

  it("stops at an attribute that overruns its message, keeping what came before", () => {
    const m = message(20, 2, 8, 1, [
      [3, new TextEncoder().encode("lo\0")],
      [2, new Uint8Array([127, 0, 0, 1])],
    ]);
    new DataView(m.buffer).setUint16(24 + 8, 200, true);
    expect(parseIfaddr(dump([m]))).toEqual([]);
    const n = message(20, 2, 8, 1, [
      [2, new Uint8Array([127, 0, 0, 1])],
      [3, new TextEncoder().encode("lo\0")],
    ]);
    new DataView(n.buffer).setUint16(24 + 8, 2, true);
    expect(parseIfaddr(dump([n]))).toEqual([{ ifindex: 1, address: "127.0.0.1", prefixLength: 8, label: null }]);
  });
});
