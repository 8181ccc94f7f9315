/**
 * The byte writer the fast renderers write JSON text with, against the
 * string functions it stands in for: String(v), Python's "0x%x", and
 * pyString (itself checked against Python's json.dumps). It starts tiny
 * here, so every write also grows it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiBytes, ByteOut } from "../../src/json/byte-out.js";
import { pyString } from "../../src/json/python-json.js";

const tiny = () => new ByteOut(1);

describe("ByteOut", () => {
  it("writes unsigned integers as String does, at every length's ends", () => {
    const ends = [0, 9, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1];
    for (let k = 1; k <= 15; k++) ends.push(10 ** k - 1, 10 ** k, 10 ** k + 1);
    const all = [...ends, ...fc.sample(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { numRuns: 500, seed: 51 })];
    const out = tiny();
    for (const v of all) {
      out.uint(v);
      out.ascii(",");
    }
    expect(out.text()).toBe(all.map((v) => `${v},`).join(""));
  });

  it("writes hex strings as Python's '0x%x' in quotes", () => {
    const all = [0, 1, 15, 16, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    all.push(...fc.sample(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { numRuns: 300, seed: 52 }));
    const out = tiny();
    for (const v of all) out.hexString(v);
    expect(out.text()).toBe(all.map((v) => `"0x${v.toString(16)}"`).join(""));
  });

  it("writes ASCII bytes as pyString writes their text, and declines anything else untouched", () => {
    const every = Uint8Array.from({ length: 0x7f }, (_, i) => i);
    const cases = [
      every,
      new Uint8Array(0),
      asciiBytes('a"b\\c'),
      ...fc.sample(fc.uint8Array({ max: 0x7e, maxLength: 70 }), { numRuns: 300, seed: 53 }),
    ];
    for (const b of cases) {
      // Inside a bigger buffer, as payloads are: only [start, end) counts.
      const framed = new Uint8Array(b.length + 4);
      framed.set([0xff, 0x22], 0);
      framed.set(b, 2);
      framed.set([0x22, 0xff], b.length + 2);
      const out = tiny();
      out.ascii("x");
      expect(out.asciiString(framed, 2, 2 + b.length)).toBe(true);
      expect(out.text()).toBe(`x${pyString(String.fromCharCode(...b))}`);
    }
    for (const bad of [0x7f, 0x80, 0xff]) {
      const out = tiny();
      out.ascii("x");
      expect(out.asciiString(Uint8Array.from([0x41, bad, 0x41]), 0, 3)).toBe(false);
      expect(out.text()).toBe("x");
    }
  });

  it("copies byte runs of any length, short ones byte by byte and long ones whole", () => {
    const runs = fc.sample(fc.uint8Array({ maxLength: 100 }), { numRuns: 200, seed: 54 });
    runs.push(new Uint8Array(32).fill(7), new Uint8Array(33).fill(8), new Uint8Array(31).fill(9));
    const out = tiny();
    for (const r of runs) out.bytes(r);
    const want = new Uint8Array(runs.reduce((s, r) => s + r.length, 0));
    let at = 0;
    for (const r of runs) {
      want.set(r, at);
      at += r.length;
    }
    expect(out.take()).toEqual(want);
  });

  it("grows to fit any write, from any size", () => {
    for (const start of [1, 2, 3, 16]) {
      const out = new ByteOut(start);
      const big = new Uint8Array(1000).fill(65);
      out.bytes(big.subarray(0, start));
      out.bytes(big);
      expect(out.pos).toBe(start + 1000);
      expect(out.buf.length).toBeGreaterThanOrEqual(start + 1000);
      expect(out.text()).toBe("A".repeat(start + 1000));
    }
  });

  it("take gives what was written and starts over; takeView takes turns between two buffers", () => {
    const out = new ByteOut(8);
    out.ascii("abc");
    const a = out.take();
    out.ascii("de");
    expect([new TextDecoder().decode(a), out.text()]).toEqual(["abc", "de"]);
    const v = new ByteOut(8);
    v.ascii("one");
    const first = v.takeView();
    v.ascii("two");
    const second = v.takeView();
    // The view after next reuses the first buffer; until then both views hold.
    expect([new TextDecoder().decode(first), new TextDecoder().decode(second)]).toEqual(["one", "two"]);
    v.ascii("333");
    v.takeView();
    expect(new TextDecoder().decode(first)).toBe("333");
  });

  it("asciiBytes gives one cached copy per text", () => {
    expect(asciiBytes("key")).toBe(asciiBytes("key"));
    expect([...asciiBytes("a~ ")]).toEqual([0x61, 0x7e, 0x20]);
  });
});
