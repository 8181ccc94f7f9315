/**
 * The rewrite rules as the command line spells them, and the address forms
 * they are matched in, on cases worked out by hand: CRIU stores an AF_INET
 * address as one word and an AF_INET6 one as four, and 127.0.0.1 is the
 * same endpoint as ::ffff:127.0.0.1.
 */
import { describe, expect, it } from "vitest";
import { asV4, parseAddress } from "../../src/image/address.js";
import { wordsFor } from "../../src/tcp/family-words.js";
import {
  describeRule,
  parseAddressRule,
  parseEndpointRule,
  type RewriteRule,
  TcpRewriteError,
} from "../../src/tcp/index.js";
import { compile, conflicts } from "../../src/tcp/plan.js";
import { caught } from "../helpers/errors.js";

const refused = (f: () => unknown): TcpRewriteError => {
  const e = caught(f);
  if (!(e instanceof TcpRewriteError)) throw e;
  return e;
};
const bytes = (a: string) => parseAddress(a) as Uint8Array;

describe("--addr OLD=NEW", () => {
  it("takes two addresses, IPv6 with or without brackets", () => {
    expect(parseAddressRule("1.2.3.4=5.6.7.8")).toEqual({ kind: "address", from: "1.2.3.4", to: "5.6.7.8" });
    expect(parseAddressRule("[::1]=[2001:db8::2]")).toEqual({ kind: "address", from: "::1", to: "2001:db8::2" });
    expect(parseAddressRule("::1=10.0.0.1")).toEqual({ kind: "address", from: "::1", to: "10.0.0.1" });
  });

  it("refuses anything else, quoting the flag", () => {
    for (const bad of ["1.2.3.4", "=1.2.3.4", "1.2.3.4=", "1.2.3.4=host", "1.2.3.4=5.6.7.8=9.9.9.9", "[::1=::2"]) {
      expect(refused(() => parseAddressRule(bad)).message).toBe(
        `--addr ${bad}: expected OLD=NEW with two IP addresses`,
      );
    }
  });
});

describe("--endpoint OLDADDR:OLDPORT=NEWADDR:NEWPORT", () => {
  it("takes IPv4 and bracketed IPv6 endpoints, ports 0 to 65535", () => {
    expect(parseEndpointRule("1.2.3.4:80=5.6.7.8:65535")).toEqual({
      kind: "endpoint",
      from: { address: "1.2.3.4", port: 80 },
      to: { address: "5.6.7.8", port: 65535 },
    });
    expect(parseEndpointRule("[::1]:0=[2001:db8::1]:443")).toEqual({
      kind: "endpoint",
      from: { address: "::1", port: 0 },
      to: { address: "2001:db8::1", port: 443 },
    });
  });

  it("refuses what is not ADDRESS:PORT on either side, and a missing =", () => {
    expect(refused(() => parseEndpointRule("1.2.3.4:80")).message).toBe(
      "--endpoint 1.2.3.4:80: expected OLDADDR:OLDPORT=NEWADDR:NEWPORT",
    );
    for (const [text, side] of [
      ["1.2.3.4:65536=5.6.7.8:1", "1.2.3.4:65536"],
      ["1.2.3.4:80=5.6.7.8:99999", "5.6.7.8:99999"],
      ["::1:80=5.6.7.8:1", "::1:80"],
      ["[::1]80=5.6.7.8:1", "[::1]80"],
      ["1.2.3.4:-1=5.6.7.8:1", "1.2.3.4:-1"],
      ["1.2.3.4:8x=5.6.7.8:1", "1.2.3.4:8x"],
      ["host:80=5.6.7.8:1", "host:80"],
      ["1.2.3.4=5.6.7.8:1", "1.2.3.4"],
    ] as const) {
      expect(refused(() => parseEndpointRule(text)).message, text).toBe(
        `--endpoint ${text}: "${side}" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)`,
      );
    }
  });

  it("is described back as it is spelled", () => {
    for (const text of ["--endpoint 1.2.3.4:80=5.6.7.8:8080", "--endpoint [::1]:80=[2001:db8::1]:81"]) {
      expect(describeRule(parseEndpointRule(text.slice("--endpoint ".length)))).toBe(text);
    }
    expect(describeRule(parseAddressRule("[::1]=1.2.3.4"))).toBe("--addr ::1=1.2.3.4");
  });
});

describe("address forms", () => {
  it("asV4: IPv4 itself, the last four bytes of ::ffff:a.b.c.d, nothing for other IPv6", () => {
    expect([...(asV4(bytes("1.2.3.4")) ?? [])]).toEqual([1, 2, 3, 4]);
    expect([...(asV4(bytes("::ffff:1.2.3.4")) ?? [])]).toEqual([1, 2, 3, 4]);
    for (const a of ["::1.2.3.4", "::fffe:102:304", "1::ffff:102:304", "::1:ffff:102:304", "::ff:ffff:102:304"])
      expect(asV4(bytes(a)), a).toBeUndefined();
  });

  it("wordsFor: one word for AF_INET (refusing real IPv6), four for AF_INET6 (mapping IPv4)", () => {
    // Little-endian words of the network-order bytes, as CRIU stores them.
    expect(wordsFor(2, bytes("1.2.3.4"))).toEqual([0x04030201]);
    expect(wordsFor(2, bytes("::ffff:1.2.3.4"))).toEqual([0x04030201]);
    expect(wordsFor(2, bytes("2001:db8::1"))).toBeUndefined();
    expect(wordsFor(10, bytes("1.2.3.4"))).toEqual([0, 0, 0xffff0000, 0x04030201]);
    expect(wordsFor(10, bytes("2001:db8::1"))).toEqual([0xb80d0120, 0, 0, 0x01000000]);
  });
});

describe("rules that conflict", () => {
  const addr = (from: string, to: string): RewriteRule => ({ kind: "address", from, to });
  const ep = (a: string, p: number, b: string, q: number): RewriteRule => ({
    kind: "endpoint",
    from: { address: a, port: p },
    to: { address: b, port: q },
  });

  it("are rules of one kind for the same source that disagree, IPv4 and v4-mapped being one source", () => {
    expect(conflicts(compile([addr("1.2.3.4", "5.6.7.8"), addr("::ffff:1.2.3.4", "5.6.7.9")]))).toEqual([
      "rules conflict: --addr 1.2.3.4=5.6.7.8 and --addr ::ffff:1.2.3.4=5.6.7.9",
    ]);
    expect(conflicts(compile([addr("1.2.3.4", "5.6.7.8"), addr("1.2.3.4", "::ffff:5.6.7.8")]))).toEqual([]);
    expect(conflicts(compile([ep("1.2.3.4", 80, "5.6.7.8", 80), ep("1.2.3.4", 80, "5.6.7.8", 81)]))).toHaveLength(1);
    expect(conflicts(compile([ep("1.2.3.4", 80, "5.6.7.8", 80), ep("1.2.3.4", 81, "5.6.7.8", 82)]))).toEqual([]);
    expect(conflicts(compile([addr("1.2.3.4", "5.6.7.8"), ep("1.2.3.4", 80, "9.9.9.9", 80)]))).toEqual([]);
    expect(conflicts(compile([addr("1.2.3.4", "5.6.7.8"), addr("1.2.3.5", "5.6.7.9")]))).toEqual([]);
  });

  it("an address that does not parse is refused when compiled", () => {
    expect(refused(() => compile([addr("1.2.3.4", "nope")])).message).toBe("--addr 1.2.3.4=nope: not an IP address");
  });
});
