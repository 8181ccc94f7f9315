import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZstdError, zstdDecompress } from "../../src/archive/index.js";
import { decompressed } from "../../src/node/compress.js";
import { cat, reusedChunks } from "../helpers/bytes.js";
import { corpusRoot } from "../helpers/corpus.js";

// zstd(1) is installed by .ci/run; without it these fail rather than skip.
const zstd = (data: Uint8Array, ...args: string[]) =>
  new Uint8Array(execFileSync("zstd", ["-q", "-c", ...args], { input: data, maxBuffer: 1 << 30 }));

const BLOCK_MAX = 128 << 10;

// Mutation testing (npm run mutate -- zstd) runs this file once per mutant: smaller inputs, the same kinds of frame.
const LIGHT = process.env.CRIU_IMAGE_MUTATE_LIGHT === "1";

/** Long runs of zeros (RLE blocks) between random stretches, and repeats (matches far back). */
function mixed(mib: number): Uint8Array {
  const out = new Uint8Array(mib << 20);
  for (let at = 0; at < out.length; at += 3 << 20) out.set(randomBytes(Math.min(200_000, out.length - at)), at);
  out.copyWithin(2 << 20, 0, 300_000);
  return out;
}

/** Words and numbers: Huffman literals, every kind of table, repeat offsets. */
function text(bytes: number): Uint8Array {
  const words = ["criu", "image", "socket", "tcp", "pagemap", "inventory", "\n", "fd", "0x7f00", "ESTABLISHED"];
  let s = "";
  let seed = 1;
  while (s.length < bytes) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    s += `${words[seed % words.length]}${seed % 7 === 0 ? seed.toString(36) : ""} `;
  }
  return new TextEncoder().encode(s.slice(0, bytes));
}

function skippable(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x184d2a53, true);
  v.setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** Decodes, hashing each chunk before the next is asked for (they are views of the decoder's buffer). */
async function decode(stream: Uint8Array, chunk = 1 << 16) {
  const h = createHash("md5");
  let length = 0;
  let largest = 0;
  const buffers = new Set<ArrayBufferLike>();
  for await (const c of zstdDecompress(reusedChunks(stream, chunk))) {
    h.update(c);
    length += c.length;
    largest = Math.max(largest, c.length);
    buffers.add(c.buffer);
  }
  return { md5: h.digest("hex"), length, largest, buffers: buffers.size };
}

async function failure(stream: Uint8Array, chunk = 1 << 16): Promise<unknown> {
  try {
    await decode(stream, chunk);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("zstd decoder against zstd(1)", () => {
  const data = mixed(LIGHT ? 4 : 12);
  const words = text(LIGHT ? 1 << 20 : 3 << 20);
  // Binary with structure, where zstd leans on repeat offsets and long matches: machine code and
  // tables of the Node binary running the test, and a real process's memory (the corpus's pages).
  const elf = new Uint8Array(readFileSync(process.execPath).subarray(0, LIGHT ? 1 << 19 : 2 << 20));
  const memory = cat(
    ...readdirSync(join(corpusRoot, "images", "memory"))
      .filter((n) => n.startsWith("pages-"))
      .sort()
      .map((n) => new Uint8Array(readFileSync(join(corpusRoot, "images", "memory", n)))),
  );
  const cases: [string, Uint8Array, Uint8Array][] = [
    ["binary (an executable), level 19", zstd(elf, "-19"), elf],
    ["binary (an executable), level 22 (ultra), long matches", zstd(elf, "--ultra", "-22", "--long=24"), elf],
    ["binary (process memory), level 19", zstd(memory, "-19"), memory],
    ["binary (process memory), level 6", zstd(memory, "-6"), memory],
    ["mixed, level 1", zstd(data, "-1"), data],
    ["mixed, level 3", zstd(data, "-3"), data],
    ["text, level 1", zstd(words, "-1"), words],
    ["text, level 9", zstd(words, "-9"), words],
    ["text, level 19, no checksum", zstd(words, "-19", "--no-check"), words],
    [
      "text, level 22 (ultra)",
      zstd(words.subarray(0, LIGHT ? 1 << 18 : 1 << 20), "--ultra", "-22"),
      words.subarray(0, LIGHT ? 1 << 18 : 1 << 20),
    ],
    ["text, --fast=5", zstd(words, "--fast=5"), words],
    ["mixed, --long=24", zstd(data, "-3", "--long=24"), data],
    ["random (raw blocks)", zstd(data.subarray(0, 200_000), "-3"), data.subarray(0, 200_000)],
    [
      "two frames and a skippable frame",
      cat(zstd(words.subarray(0, 1 << 20)), skippable(randomBytes(1000)), zstd(data.subarray(0, 3 << 20))),
      cat(words.subarray(0, 1 << 20), data.subarray(0, 3 << 20)),
    ],
    ["an empty input", zstd(new Uint8Array(0)), new Uint8Array(0)],
    ["one byte", zstd(Uint8Array.of(7)), Uint8Array.of(7)],
  ];
  for (const [name, stream, plain] of cases) {
    for (const chunk of LIGHT ? [7, 1 << 20] : [1, 7, 4096, 1 << 20]) {
      if (chunk < 4096 && stream.length > 1 << 20) continue;
      it(`${name}, read ${chunk} bytes at a time: the same bytes, at most one block per chunk`, async () => {
        const r = await decode(stream, chunk);
        expect(r.length).toBe(plain.length);
        expect(r.md5).toBe(md5(plain));
        expect(r.largest).toBeLessThanOrEqual(BLOCK_MAX);
      });
    }
  }

  it("hands out views of one buffer: nothing is allocated per block once the window is full", async () => {
    const r = await decode(zstd(data, "-1"));
    // The buffer grows by doubling up to twice the window (level 1: 512 KiB) plus a block: a few buffers for 12 MiB.
    expect(r.buffers).toBeLessThanOrEqual(6);
  });

  it("holds what the frame produces, at most its window and a quarter, however large the window it declares", async () => {
    const largest = async (stream: Uint8Array) => {
      let max = 0;
      for await (const c of zstdDecompress(reusedChunks(stream, 1 << 16))) max = Math.max(max, c.buffer.byteLength);
      return max;
    };
    // 64 KiB under a declared 128 MiB window (--long=27 from a pipe keeps the declared window).
    expect(await largest(zstd(randomBytes(64 << 10), "--long=27"))).toBeLessThanOrEqual(256 << 10);
    // 160 MiB of zeros: the window fills; zstd(1) holds 128 MiB + a block, we a quarter more (was twice).
    if (LIGHT) return;
    const big = zstd(new Uint8Array(160 << 20), "-1", "--long=27");
    expect(await largest(big)).toBeLessThanOrEqual((128 << 20) + (32 << 20));
  });

  it("bounds what one read of 64 MiB of zeros gives at once", async () => {
    const zeros = zstd(new Uint8Array(64 << 20), "-1");
    expect(zeros.length).toBeLessThan(64 << 10);
    let total = 0;
    let max = 0;
    for await (const c of decompressed(reusedChunks(zeros, zeros.length))) {
      total += c.length;
      max = Math.max(max, c.length);
    }
    expect(total).toBe(64 << 20);
    expect(max).toBeLessThanOrEqual(BLOCK_MAX);
  });

  it("decodes what zstd makes of any input, at any level", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 3000 }),
            fc.record({ byte: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: 70_000 }) }),
            fc.record({ back: fc.integer({ min: 1, max: 100_000 }), n: fc.integer({ min: 3, max: 5000 }) }),
          ),
          { maxLength: 30 },
        ),
        fc.constantFrom("-1", "-3", "-7", "-12", "-19", "--fast=3"),
        fc.integer({ min: 1, max: 70_000 }),
        async (parts, level, chunk) => {
          // Literal runs, byte runs and copies from earlier: what real data has.
          const out: number[] = [];
          for (const p of parts) {
            if (p instanceof Uint8Array) for (const b of p) out.push(b);
            else if ("byte" in p) for (let i = 0; i < p.n; i++) out.push(p.byte);
            else if (out.length > 0) {
              const from = Math.max(0, out.length - p.back);
              for (let i = 0; i < p.n; i++) out.push(out[from + (i % (out.length - from))] as number);
            }
          }
          const plain = Uint8Array.from(out);
          const r = await decode(zstd(plain, level), chunk);
          expect(r.md5).toBe(md5(plain));
          expect(r.length).toBe(plain.length);
        },
      ),
      { numRuns: LIGHT ? 15 : 60 },
    );
  });
});

describe("zstd decoder on damaged input", () => {
  const plain = text(400_000);
  const good = zstd(plain, "-19");

  it("refuses a cut stream at every cut with ZstdError, never a hang", async () => {
    const cuts = new Set([0, 1, 3, 4, 5, 8, 12, 100, good.length >> 1, good.length - 5, good.length - 1]);
    for (const cut of cuts) {
      if (cut === 0) continue;
      const e = await failure(good.subarray(0, cut), 97);
      expect(e, `cut at ${cut}`).toBeInstanceOf(ZstdError);
    }
  });

  it("refuses damaged bytes with ZstdError or decodes them to something: never another error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (flips) => {
          const bad = good.slice();
          for (const f of flips) bad[f.at] = (bad[f.at] as number) ^ f.xor;
          const e = await failure(bad);
          if (e !== undefined) expect(e).toBeInstanceOf(ZstdError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("names what it expected and where", async () => {
    const reserved = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x07, 0x00, 0x00, 1, 2, 3);
    const e = (await failure(reserved)) as ZstdError;
    expect(e).toBeInstanceOf(ZstdError);
    expect(e.offset).toBe(6);
    expect(e.message).toMatch(/at byte 6: .*reserved type 3/);
    const notZstd = (await failure(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))) as ZstdError;
    expect(notZstd.offset).toBe(0);
    expect(notZstd.message).toMatch(/magic number/);
  });

  it("refuses frames it cannot decode: a dictionary, a window over 128 MiB", async () => {
    // Descriptor 0x01: a one-byte dictionary id; window descriptor 0x58 (8 MiB).
    const dict = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x58, 0x2a, 0x01, 0x00, 0x00);
    expect(((await failure(dict)) as ZstdError).message).toMatch(/dictionary 42/);
    // Window descriptor 0x90: exponent 18, 2^28 bytes.
    const huge = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x90, 0x01, 0x00, 0x00);
    expect(((await failure(huge)) as ZstdError).message).toMatch(/window of at most 134217728 bytes/);
  });

  it("checks the content size the frame header gives", async () => {
    // Single segment, a one-byte content size, then one last raw block of 4 bytes.
    const frame = (size: number) => Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, size, 0x21, 0x00, 0x00, 1, 2, 3, 4);
    expect((await decode(frame(4))).length).toBe(4);
    expect(((await failure(frame(5))) as ZstdError).message).toMatch(
      /a frame of 5 bytes, as its header says \(it holds 4\)/,
    );
    // A window of 3 bytes cannot hold a block of 4.
    expect(((await failure(frame(3))) as ZstdError).message).toMatch(/a block of at most 3 bytes/);
  });

  it("refuses a skippable frame cut short", async () => {
    const s = skippable(randomBytes(100)).subarray(0, 50);
    expect(((await failure(s)) as ZstdError).message).toMatch(/skippable frame of 100 bytes, cut short/);
  });
});
