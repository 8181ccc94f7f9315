/**
 * The tar reader's fields one by one, on headers built byte by byte:
 * numbers (octal with spaces and NULs, base-256), names and prefixes,
 * checksums (signed and unsigned), pax records and their bounds, and the
 * offsets of a source read by offset.
 */
import { describe, expect, it } from "vitest";
import { eachTarMember, TarError, type TarHeader } from "../../src/archive/index.js";
import { cat, reusedChunks } from "../helpers/bytes.js";

const enc = new TextEncoder();
const END = new Uint8Array(1024);

interface Fields {
  name?: string;
  flag?: string;
  size?: number | Uint8Array;
  mtime?: Uint8Array;
  magic?: string;
  prefix?: string;
  mode?: Uint8Array;
  /** Bytes to put at an offset before the checksum is computed. */
  at?: [number, Uint8Array][];
  checksum?: "unsigned" | "signed" | "wrong";
}

const field = (s: string) => enc.encode(s);

/** One header block; numbers given as the bytes of their field. */
function header(f: Fields): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(f.name ?? "m").subarray(0, 100));
  h.set(f.mode ?? field("0000644\0"), 100);
  const size = f.size ?? 0;
  h.set(typeof size === "number" ? field(`${size.toString(8).padStart(11, "0")}\0`) : size, 124);
  h.set(f.mtime ?? field("00000000000\0"), 136);
  h[156] = (f.flag ?? "0").charCodeAt(0);
  h.set(field(f.magic ?? "ustar\u000000"), 257);
  if (f.prefix) h.set(enc.encode(f.prefix), 345);
  for (const [o, b] of f.at ?? []) h.set(b, o);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += f.checksum === "signed" ? (c > 127 ? c - 256 : c) : c;
  if (f.checksum === "wrong") sum += 1;
  h.set(field(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return h;
}

const body = (s: string | Uint8Array) => {
  const b = typeof s === "string" ? enc.encode(s) : s;
  const out = new Uint8Array(Math.ceil(b.length / 512) * 512);
  out.set(b);
  return out;
};

function pax(records: [string, string][]): string {
  let out = "";
  for (const [k, v] of records) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    out += `${len}${rest}`;
  }
  return out;
}

async function members(tar: Uint8Array): Promise<{ h: TarHeader; data: string; at: number }[]> {
  const out: { h: TarHeader; data: string; at: number }[] = [];
  await eachTarMember(reusedChunks(tar, 512), async (h, b, at) => {
    let data = "";
    for await (const c of b) data += new TextDecoder().decode(c);
    out.push({ h, data, at });
  });
  return out;
}

async function failure(tar: Uint8Array): Promise<TarError> {
  try {
    await members(tar);
  } catch (e) {
    expect(e).toBeInstanceOf(TarError);
    return e as TarError;
  }
  throw new Error("no error");
}

describe("numeric fields", () => {
  it("octal with leading spaces or NULs, ending at a space or NUL", async () => {
    const NUL = String.fromCharCode(0);
    const fields = [
      `     12 ${NUL}${NUL}${NUL}${NUL}`,
      `${NUL}${NUL}${NUL}${NUL}0012${NUL} ${NUL}${NUL}`,
      "00000000012 ",
      `12${NUL} 9999999${NUL}`,
    ];
    for (const size of fields) {
      const [m] = await members(cat(header({ size: field(size) }), body("0123456789"), END));
      expect(m?.h.size, JSON.stringify(size)).toBe(10);
      expect(m?.data).toBe("0123456789");
    }
  });

  it("refuses a digit that is not octal, at its offset", async () => {
    const e = await failure(cat(header({ size: field("00000000018\0") }), END));
    expect(e.offset).toBe(124 + 10);
    expect(e.message).toMatch(/expected an octal digit/);
    const slash = await failure(cat(header({ size: field("0000000001/\0") }), END));
    expect(slash.offset).toBe(124 + 10);
  });

  it("base-256: the high bit of the first byte, big-endian after it; negative and 2^53 refused", async () => {
    const b256 = (bytes: number[]) => Uint8Array.from([0x80, ...Array(11 - bytes.length).fill(0), ...bytes]);
    const [m] = await members(cat(header({ size: b256([1, 2]) }), body("x".repeat(258)), END));
    expect(m?.h.size).toBe(258);
    const neg = await failure(cat(header({ size: Uint8Array.from(Array(12).fill(0xff)) }), END));
    expect(neg.offset).toBe(124);
    expect(neg.message).toMatch(/a number that is not negative/);
    const huge = await failure(cat(header({ size: Uint8Array.from([0x80, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0]) }), END));
    expect(huge.offset).toBe(124);
    expect(huge.message).toMatch(/a number below 2\^53/);
  });

  it("mtime from the header, or from pax (seconds, fractions kept)", async () => {
    const [a] = await members(cat(header({ mtime: field("00000000144\0") }), END));
    expect(a?.h.mtime.getTime()).toBe(100_000);
    const [b] = await members(
      cat(header({ flag: "x", size: pax([["mtime", "1.5"]]).length }), body(pax([["mtime", "1.5"]])), header({}), END),
    );
    expect(b?.h.mtime.getTime()).toBe(1500);
    const [c] = await members(
      cat(
        header({ flag: "x", size: pax([["mtime", "soon"]]).length }),
        body(pax([["mtime", "soon"]])),
        header({ mtime: field("00000000002\0") }),
        END,
      ),
    );
    expect(c?.h.mtime.getTime()).toBe(2000);
  });
});

describe("names and checksums", () => {
  it("a ustar prefix joins the name; without the ustar magic the same bytes are no prefix", async () => {
    const [u] = await members(cat(header({ name: "files.img", prefix: "dump/checkpoint" }), END));
    expect(u?.h.name).toBe("dump/checkpoint/files.img");
    const [g] = await members(cat(header({ name: "files.img", prefix: "junk", magic: "ustar  \0" }), END));
    expect(g?.h.name).toBe("files.img");
    // A name of exactly 100 bytes has no NUL.
    const [full] = await members(cat(header({ name: "n".repeat(100) }), END));
    expect(full?.h.name).toBe("n".repeat(100));
  });

  it("takes the unsigned and the signed sum, refuses any other", async () => {
    const high: [number, Uint8Array][] = [[265, Uint8Array.of(0xc3, 0xa9)]]; // a uname byte over 127
    for (const checksum of ["unsigned", "signed"] as const)
      expect((await members(cat(header({ at: high, checksum }), END))).length, checksum).toBe(1);
    const e = await failure(cat(header({ at: high, checksum: "wrong" }), END));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/valid checksum/);
    // The byte 127 itself counts the same both ways.
    expect((await members(cat(header({ at: [[265, Uint8Array.of(127)]], checksum: "signed" }), END))).length).toBe(1);
  });

  it("a header cut short is refused where it starts", async () => {
    const e = await failure(cat(header({}), new Uint8Array(100)));
    expect(e.offset).toBe(512);
    expect(e.message).toMatch(/a 512-byte header, not the end of the data/);
  });
});

describe("pax records", () => {
  const x = (records: string) => cat(header({ flag: "x", size: records.length }), body(records));

  it("path, linkpath and size override the header; a member's own records are kept, none means null", async () => {
    const p = pax([
      ["path", "long/name"],
      ["linkpath", "t"],
      ["size", "3"],
      ["comment", "=x"],
    ]);
    const [m] = await members(
      cat(x(p), header({ name: "short", flag: "2", size: 0 }), body("abc"), header({ name: "next" }), END),
    );
    expect(m?.h.name).toBe("long/name");
    expect(m?.h.linkname).toBe("t");
    expect(m?.h.size).toBe(3);
    expect(m?.h.pax).toEqual({ path: "long/name", linkpath: "t", size: "3", comment: "=x" });
    const [plain] = await members(cat(header({}), END));
    expect(plain?.h.pax).toBeNull();
    const [empty] = await members(cat(x(""), header({}), END));
    expect(empty?.h.pax).toBeNull();
  });

  it("a record without a key is passed over; a record's length is checked", async () => {
    const [m] = await members(cat(x("9 =value\n12 path=a/b\n"), header({}), END));
    expect(m?.h.name).toBe("a/b");
    // Each bad record set, and where in its body the bad record starts.
    const bad: [string, number][] = [
      ["9x path=a\n", 0],
      ["5 path=abcdef\n", 5],
      ["99 path=a\n", 0],
      ["3 a\n", 3],
    ];
    for (const [records, at] of bad) {
      const e = await failure(cat(x(records), header({}), END));
      expect(e.message, records).toMatch(/a pax record's length/);
      expect(e.offset, records).toBe(512 + at);
    }
    const size = await failure(cat(x(pax([["size", "-1"]])), header({}), END));
    expect(size.message).toMatch(/a pax size that is a whole number/);
    const frac = await failure(cat(x(pax([["size", "1.5"]])), header({}), END));
    expect(frac.message).toMatch(/a pax size that is a whole number/);
  });

  it("global records apply to every later member, each member's own on top", async () => {
    const g = pax([
      ["comment", "all"],
      ["path", "g-name"],
    ]);
    const tar = cat(
      header({ flag: "g", size: g.length }),
      body(g),
      header({ name: "a" }),
      x(pax([["path", "own"]])),
      header({ name: "b" }),
      END,
    );
    expect((await members(tar)).map((m) => m.h.name)).toEqual(["g-name", "own"]);
  });

  it("bounds: a record of exactly 1 MiB and eight records in a row are taken, one more is not", async () => {
    const key = " comment=";
    const fill = (total: number) => {
      // "<len> comment=<v>\n" of exactly `total` bytes.
      const digits = String(total).length;
      return `${total}${key}${"v".repeat(total - digits - key.length - 1)}\n`;
    };
    const mib = fill(1 << 20);
    expect(mib.length).toBe(1 << 20);
    expect(await members(cat(x(mib), header({}), END))).toHaveLength(1);
    const over = await failure(cat(x(fill((1 << 20) + 1)), header({}), END));
    expect(over.message).toMatch(/at most 1048576 bytes/);
    const eight = Array.from({ length: 8 }, () => x(pax([["comment", "c"]])));
    expect(await members(cat(...eight, header({}), END))).toHaveLength(1);
    const nine = await failure(cat(...eight, x(pax([["comment", "c"]])), header({}), END));
    expect(nine.message).toMatch(/at most 8 pax records/);
    expect(nine.offset).toBe(8 * 1024);
  });

  it("global records: exactly 1 MiB in all is taken, a byte more is not", async () => {
    const g = (k: string, n: number) => {
      const p = pax([[k, "v".repeat(n)]]);
      return cat(header({ flag: "g", size: p.length }), body(p));
    };
    // Keys and values count: "k1" + 524286 and "k2" + 524286 = 2^20.
    const half = (1 << 19) - 2;
    expect(await members(cat(g("k1", half), g("k2", half), header({}), END))).toHaveLength(1);
    const e = await failure(cat(g("k1", half), g("k2", half + 1), header({}), END));
    expect(e.message).toMatch(/global pax records of at most 1048576 bytes in all/);
  });

  it("GNU long names and links, and the old GNU 'N' name, set the member's name", async () => {
    const long = (flag: string, text: string) =>
      cat(header({ name: "././@LongLink", flag, size: text.length + 1 }), body(`${text}\0`));
    const [m] = await members(cat(long("L", "a/long/name"), long("K", "a/long/target"), header({ flag: "2" }), END));
    expect([m?.h.name, m?.h.linkname]).toEqual(["a/long/name", "a/long/target"]);
    const [n] = await members(cat(long("N", "old/name"), header({}), END));
    expect(n?.h.name).toBe("old/name");
  });
});

describe("offsets", () => {
  it("give each body's offset in the stream, skipped or read", async () => {
    const tar = cat(
      header({ name: "a", size: 600 }),
      body("a".repeat(600)),
      header({ name: "b", size: 5 }),
      body("bbbbb"),
      END,
    );
    const got = await members(tar);
    expect(got.map((m) => [m.h.name, m.at])).toEqual([
      ["a", 512],
      ["b", 512 + 1024 + 512],
    ]);
    let pos = 0;
    const skipped: number[] = [];
    const source = {
      skip(n: number) {
        skipped.push(n);
        pos += n;
      },
      async *[Symbol.asyncIterator]() {
        while (pos < tar.length) {
          const c = tar.slice(pos, pos + 700);
          pos += c.length;
          yield c;
        }
      },
    };
    const ats: [string, number][] = [];
    let data = "";
    await eachTarMember(source, async (h, b, at) => {
      ats.push([h.name, at]);
      if (h.name === "b") for await (const c of b) data += new TextDecoder().decode(c);
    });
    expect(ats).toEqual([
      ["a", 512],
      ["b", 2048],
    ]);
    expect(data).toBe("bbbbb");
    // The rest of a's body and its padding, beyond the chunk in hand (then b's padding).
    expect(skipped[0]).toBe(1024 - (700 - 512));
  });
});
