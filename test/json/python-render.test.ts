/**
 * The renderers' number and text formatting against Python itself, which
 * crit's output is made by: "%.1f" and "%d" of --nopl sizes, json.dumps's
 * ensure_ascii strings, os.major/os.minor/os.makedev for device numbers,
 * and int(text, 0) for numbers crit reads back. Skipped only where python3
 * is missing (never in CI).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planOf } from "../../src/json/field-plan.js";
import { parsePyInt, readDev, showDev } from "../../src/json/pretty-maps.js";
import { pyString } from "../../src/json/python-json.js";
import { scalarText } from "../../src/json/render.js";
import { humanSize } from "../../src/json/to-crit.js";
import { py, python } from "../helpers/python.js";
import { scalarsSchema } from "../helpers/scalars-schema.js";

describe.skipIf(!python)("against Python", () => {
  it("--nopl sizes: whole numbers of a unit as %d, others as %.1f (ties to even)", () => {
    const sizes = [
      ...fc.sample(fc.nat({ max: 2 ** 31 }), { numRuns: 2000, seed: 41 }),
      ...[0, 1, 1023, 1024, 1025, 1280, 1331, 1536, 2560, 3840, 65536, 1048575, 1048576, 1310720, 2 ** 40, 2 ** 53],
      ...Array.from({ length: 9 }, (_, i) => 1024 ** i * 1.25),
      ...Array.from({ length: 9 }, (_, i) => 1024 ** i * 1023.75),
      2 ** 80 * 1.25,
      2 ** 90,
    ];
    const want = py(
      [
        "import sys, json",
        "def size(n):",
        "    units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z']",
        "    for u in units:",
        "        if n < 1024.0:",
        "            return ('%d%sB' % (n, u)) if int(n) == n else ('%.1f%sB' % (n, u))",
        "        n /= 1024.0",
        "    return '%.1fYB' % n",
        "json.dump([size(n) for n in json.load(sys.stdin)], sys.stdout)",
      ].join("\n"),
      sizes,
    ) as string[];
    sizes.forEach((n, i) => {
      expect(humanSize(n), String(n)).toBe(want[i]);
    });
  });

  it("strings as json.dumps writes them (ensure_ascii), short and long", () => {
    const texts = [
      ...fc.sample(fc.string({ unit: "binary", maxLength: 80 }), { numRuns: 1500, seed: 43 }),
      ...fc.sample(fc.string({ unit: "grapheme-ascii", minLength: 60, maxLength: 90 }), { numRuns: 300, seed: 44 }),
      "a".repeat(63),
      "a".repeat(64),
      `${"a".repeat(63)}"`,
      `${"a".repeat(64)}\\`,
      "\x7f",
      "~",
      " ",
      "\x1f",
      "\u2028",
      "\ud800",
      "\udfff\ud800",
    ];
    const want = py("import sys,json\njson.dump([json.dumps(s) for s in json.load(sys.stdin)], sys.stdout)", texts);
    texts.forEach((s, i) => {
      expect(pyString(s), JSON.stringify(s)).toBe((want as string[])[i]);
    });
  });

  it("device numbers: os.major and os.minor of glibc's encoding, the kernel's 20-bit minor, and back", () => {
    const devs = [
      ...fc.sample(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), { numRuns: 500, seed: 45 }),
      ...fc.sample(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), { numRuns: 500, seed: 46 }),
      0n,
      0x88_03n,
      0x8800_0003n,
      2n ** 63n - 1n,
    ];
    const want = py(
      [
        "import sys, json, os",
        "def back(a, b):",
        "    try:",
        "        return str(os.makedev(a, b))",
        "    except OverflowError:",
        "        return None  # makedev takes C ints",
        "out = [[os.major(int(t)), os.minor(int(t)), back(os.major(int(t)), os.minor(int(t)))] for t in json.load(sys.stdin)]",
        "json.dump(out, sys.stdout)",
      ].join("\n"),
      devs.map(String),
    ) as [number, number, string | null][];
    devs.forEach((v, i) => {
      const [major, minor, back] = want[i] as [number, number, string | null];
      expect(showDev(v, true), String(v)).toBe(`${major}:${minor}`);
      if (back !== null) expect(readDev(`${major}:${minor}`, true)).toBe(BigInt(back));
      // The kernel's own dev_t (MINORBITS 20) for the fields crit marks dev, not odev.
      const k = v & (2n ** 52n - 1n);
      expect(showDev(k, false)).toBe(`${k >> 20n}:${k & 0xfffffn}`);
      expect(readDev(showDev(k, false), false)).toBe(k);
    });
    // Spaces around the numbers, as int() takes them; anything else around them is no device.
    expect(readDev(" 8 : 3 ", false)).toBe((8n << 20n) | 3n);
    for (const bad of ["x8:3", "8:3x", "8x:3", "8:x3", "8", "8:3:1"]) expect(readDev(bad, false), bad).toBeUndefined();
  });

  it('hex fields as "0x%x" % v, negative ones included (CRIU has none today; crit would print "0x-5")', () => {
    const f = planOf(scalarsSchema()).byName.get("shx");
    if (!f) throw new Error("shx");
    const values = [
      0n,
      1n,
      -1n,
      -5n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      ...fc.sample(fc.bigInt(), { numRuns: 200, seed: 47 }),
    ];
    const want = py(
      "import sys,json\njson.dump(['\"0x%x\"' % int(t) for t in json.load(sys.stdin)], sys.stdout)",
      values.map(String),
    ) as string[];
    values.forEach((v, i) => {
      const n = v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
      expect(scalarText(f, n, { layout: true, convert: true }, true), String(v)).toBe(want[i]);
    });
  });

  it("int(text, 0): every base, signs, underscores, and what it refuses", () => {
    const texts = [
      "0",
      "00",
      "0_0",
      "7",
      "-7",
      "+7",
      " 42 ",
      "1_000",
      "0x1f",
      "0X1F",
      "-0x_1f",
      "0o17",
      "0O17",
      "0b101",
      "0B1_01",
      "18446744073709551615",
      "0xffffffffffffffff",
      "",
      "_",
      "1__0",
      "_1",
      "1_",
      "08",
      "0x",
      "0b2",
      "0o8",
      "1.5",
      "1e3",
      "0x1g",
      "- 1",
      "++1",
    ];
    const want = py(
      "import sys,json\nout=[]\nfor t in json.load(sys.stdin):\n try: out.append(str(int(t, 0)))\n except ValueError: out.append(None)\njson.dump(out,sys.stdout)",
      texts,
    ) as (string | null)[];
    texts.forEach((t, i) => {
      const w = want[i];
      expect(parsePyInt(t), JSON.stringify(t)).toBe(w === null || w === undefined ? undefined : BigInt(w));
    });
  });
});
