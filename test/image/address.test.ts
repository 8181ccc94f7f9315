/**
 * The one address module against Python's ipaddress (which crit uses) on
 * 200,000 random addresses, and its display rule for people.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asV4,
  bytesToWords,
  displayAddress,
  displayEndpoint,
  formatAddress,
  formatBytes,
  formatWords,
  parseAddress,
  sameAddress,
  toV6,
  wordsToBytes,
} from "../../src/index.js";
import { py, python } from "../helpers/python.js";

// Groups that make zero runs of every length and ties between them, beside any value.
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => {
  const b = new Uint8Array(16);
  g.forEach((x, k) => {
    b[2 * k] = x >> 8;
    b[2 * k + 1] = x & 0xff;
  });
  return b;
});
const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const mapped = v4.map((b) => toV6(b));
const address = fc.oneof(v4, v6, mapped);

const isMapped = (b: Uint8Array) =>
  b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

describe.skipIf(!python)("addresses against Python's ipaddress", () => {
  it("formatAddress and parseAddress on 200,000 random IPv4, IPv6 and v4-mapped addresses", () => {
    const inputs = fc.sample(address, { numRuns: 200_000, seed: 5952 });
    const [version, ...want] = py(
      "import sys,json,ipaddress\nout=[list(sys.version_info[:2])]\nfor a in json.load(sys.stdin):\n out.append(ipaddress.ip_address(bytes(a)).compressed)\njson.dump(out,sys.stdout)",
      inputs.map((b) => [...b]),
    ) as [[number, number], ...string[]];
    // Python 3.13 prints v4-mapped addresses dotted; crit 4.2's JSON (and so ours) has the older hex form,
    // and the dotted one is what displayAddress gives people.
    const dottedMapped = version[0] > 3 || (version[0] === 3 && version[1] >= 13);
    const differ: string[] = [];
    inputs.forEach((b, i) => {
      const ours = dottedMapped && isMapped(b) ? displayAddress(b) : formatAddress(b);
      if (ours !== want[i]) differ.push(`${want[i]} vs ${ours}`);
      const back = parseAddress(want[i] as string);
      if (!back || !sameAddress(back, b) || back.length !== b.length) differ.push(`parse ${want[i]}`);
    });
    expect(differ.slice(0, 10)).toEqual([]);
    expect(inputs.filter(isMapped).length).toBeGreaterThan(50_000);
  });
});

describe("the display rule", () => {
  it("shows v4-mapped addresses dotted and every other address as formatAddress does", () => {
    fc.assert(
      fc.property(address, (b) => {
        const shown = displayAddress(b);
        if (isMapped(b)) expect(shown).toBe(`::ffff:${[...b.subarray(12)].join(".")}`);
        else expect(shown).toBe(formatAddress(b));
        // Text in, the same: every output path may hold the data's text form.
        expect(displayAddress(formatAddress(b))).toBe(shown);
        expect(parseAddress(shown)).toEqual(b.length === 4 ? b : toV6(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("brackets IPv6 before a port, shows a missing address or port 0 as *", () => {
    expect(displayEndpoint("::ffff:7f00:1", 80)).toBe("[::ffff:127.0.0.1]:80");
    expect(displayEndpoint(parseAddress("2001:db8::1") as Uint8Array, 443)).toBe("[2001:db8::1]:443");
    expect(displayEndpoint("10.0.0.1", 0)).toBe("10.0.0.1:*");
    expect(displayEndpoint("", 22)).toBe("*:22");
    expect(displayAddress("::ffff:zz")).toBe("::ffff:zz");
  });

  it("formats CRIU's words and damaged lengths without throwing", () => {
    fc.assert(
      fc.property(address, (b) => {
        expect(formatWords(bytesToWords(b))).toBe(formatAddress(b));
        expect(wordsToBytes(bytesToWords(b))).toEqual(b);
      }),
    );
    expect(formatWords([])).toBe("");
    expect(formatWords([1, 2])).toBe("1,2");
    expect(formatBytes(Uint8Array.of(1, 2))).toBe("<0102>");
    expect(formatBytes(new Uint8Array(0))).toBe("<none>");
  });

  it("asV4 takes only 4 or 16 bytes (a damaged 12-byte address that ends like a mapped prefix is not IPv4)", () => {
    const twelve = new Uint8Array(12);
    twelve[10] = 0xff;
    twelve[11] = 0xff;
    expect(asV4(twelve)).toBeUndefined();
    expect(asV4(new Uint8Array(0))).toBeUndefined();
    expect(asV4(toV6(Uint8Array.of(10, 0, 0, 1)))).toEqual(Uint8Array.of(10, 0, 0, 1));
  });

  it("takes the first of two equally long zero runs, as RFC 5952 and Python do (ipaddr.js takes the last)", () => {
    expect(formatAddress(parseAddress("0:0:9cfc:71:0:0:a3c6:5b") as Uint8Array)).toBe("::9cfc:71:0:0:a3c6:5b");
    expect(formatAddress(parseAddress("1:0:0:2:0:0:0:3") as Uint8Array)).toBe("1:0:0:2::3");
    expect(formatAddress(parseAddress("1:0:2:3:4:5:6:7") as Uint8Array)).toBe("1:0:2:3:4:5:6:7");
  });
});
