/**
 * The zstd decoder on frames written by hand: the paths zstd(1) seldom
 * writes, and one damaged frame for each way a frame can be wrong. zstd(1)
 * is the oracle: it decodes each valid frame to the same bytes and refuses
 * each damaged one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZstdError, zstdDecompress } from "../../src/archive/index.js";
import { BackwardBits } from "../../src/archive/zstd/bits.js";
import { Input } from "../../src/archive/zstd/input.js";
import { Xxh64 } from "../../src/archive/zstd/xxh64.js";
import { cat, reusedChunks } from "../helpers/bytes.js";
import {
  compressedBlock,
  directWeights,
  frame,
  frameHeader,
  fseBits,
  fseDescription,
  type HeaderOptions,
  huffmanCode,
  huffmanLiterals,
  huffmanStream,
  rawBlock,
  rawLiterals,
  rleBlock,
  rleLiterals,
  type Sequence,
  sequencesSection,
  singleSymbol,
} from "../helpers/zstd-frames.js";

const ascii = (s: string) => new TextEncoder().encode(s);

/** zstd(1)'s output, or undefined when it refuses the frame. */
function zstdCli(stream: Uint8Array): Uint8Array | undefined {
  const r = spawnSync("zstd", ["-d", "-c", "-q"], { input: stream, maxBuffer: 1 << 30 });
  return r.status === 0 ? new Uint8Array(r.stdout) : undefined;
}

/** Our output, whole, and each chunk's length (a chunk is a view of the decoder's buffer). */
async function ours(stream: Uint8Array, chunk: number): Promise<{ out: Uint8Array; lengths: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const c of zstdDecompress(reusedChunks(stream, chunk))) parts.push(c.slice());
  return { out: cat(...parts), lengths: parts.map((p) => p.length) };
}

async function error(stream: Uint8Array, chunk = 1 << 16): Promise<ZstdError> {
  try {
    await ours(stream, chunk);
  } catch (e) {
    if (e instanceof ZstdError) return e;
    throw e;
  }
  throw new Error("decoded without error");
}

const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** Decodes like zstd(1) (and to `plain` when given), whatever the chunk size, never handing out an empty chunk. */
async function expectValid(stream: Uint8Array, plain?: Uint8Array): Promise<Uint8Array> {
  const want = zstdCli(stream);
  expect(want, "zstd(1) refuses the frame the test built").toBeDefined();
  if (plain) expect(same(want, plain), "zstd(1) decodes the frame to what the test meant").toBe(true);
  for (const chunk of [5, 1 << 20]) {
    const r = await ours(stream, chunk);
    expect(same(r.out, want as Uint8Array), `read ${chunk} bytes at a time`).toBe(true);
    expect(r.lengths.every((n) => n > 0)).toBe(true);
  }
  return want as Uint8Array;
}

/** Refused by zstd(1), and by us with this message (after "a valid block: found " for a block's contents). */
async function expectDamaged(stream: Uint8Array, message: string | RegExp, offset?: number): Promise<void> {
  expect(zstdCli(stream), "zstd(1) decodes the damaged frame").toBeUndefined();
  const e = await error(stream);
  if (typeof message === "string") expect(e.message).toContain(message);
  else expect(e.message).toMatch(message);
  if (offset !== undefined) expect(e.offset).toBe(offset);
}

const inBlock = (what: string) => `expected a valid block: found ${what}`;

const one: HeaderOptions = {};
const last = true;

// 'a' 3, 'b' 2, 'c' 1 and the implied 'd' 1: codes of 1, 2, 3 and 3 bits.
const abcdWeights = Array.from({ length: 100 }, (_, s) => ({ 97: 3, 98: 2, 99: 1 })[s] ?? 0);
const abcd = huffmanCode(abcdWeights);
const abcdTree = directWeights(abcdWeights);
const abcdText = (n: number) => ascii("abacabadabacabaabcdaab".repeat(Math.ceil(n / 22)).slice(0, n));
/** A compressed literals section with this tree and these bytes for its streams (damaged sections). */
const treeAndStreams = (tree: Uint8Array, streams: Uint8Array, format: 0 | 1 = 0, n = 1) =>
  huffmanLiterals(abcd, abcdText(n), { type: 2, tree, format, streams });
/** A tree description whose FSE table has one symbol: its states read no bits, and the weights never end. */
const endlessTree = (() => {
  const d = cat(fseDescription([0, 32], 5), Uint8Array.of(0, 4));
  return cat(Uint8Array.of(d.length), d);
})();

describe("hand-built frames that decode", () => {
  it("Huffman literals with direct weights, one stream, then four streams of every size format", async () => {
    const small = abcdText(300);
    const big = abcdText(20_000);
    const mid = abcdText(5000);
    await expectValid(
      frame(
        one,
        compressedBlock(cat(huffmanLiterals(abcd, small, { type: 2, tree: abcdTree, format: 0 }), Uint8Array.of(0))),
        compressedBlock(cat(huffmanLiterals(abcd, big, { type: 2, tree: abcdTree, format: 3 }), Uint8Array.of(0))),
        // Treeless: the previous block's tree.
        compressedBlock(cat(huffmanLiterals(abcd, mid, { type: 3, format: 2 }), Uint8Array.of(0))),
        compressedBlock(cat(huffmanLiterals(abcd, small, { type: 3, format: 1 }), Uint8Array.of(0)), last),
      ),
      cat(small, big, mid, small),
    );
  });

  it("Huffman codes of 1 to 11 bits (weights 1 to 11)", async () => {
    // Weights from 1 to 10 and the implied one: codes of 1 to 11 bits.
    const deep = Array.from({ length: 11 }, (_, s) => (s === 0 ? 1 : s));
    const code = huffmanCode(deep);
    expect(Math.max(...code.nbBits)).toBe(11);
    const symbols = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7) % 12);
    await expectValid(
      frame(
        one,
        compressedBlock(
          cat(huffmanLiterals(code, symbols, { type: 2, tree: directWeights(deep), format: 2 }), Uint8Array.of(0)),
          last,
        ),
      ),
      symbols,
    );
  });

  it("RLE and raw literals with headers of 1, 2 and 3 bytes, and blocks with no sequences", async () => {
    const raw = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
    await expectValid(
      frame(
        one,
        compressedBlock(cat(rleLiterals(0x41, 20, 1), Uint8Array.of(0))),
        compressedBlock(cat(rleLiterals(0x42, 3000, 2), Uint8Array.of(0))),
        compressedBlock(cat(rleLiterals(0x43, 70_000, 3), Uint8Array.of(0))),
        compressedBlock(cat(rawLiterals(raw.subarray(0, 30), 1), Uint8Array.of(0))),
        compressedBlock(cat(rawLiterals(raw.subarray(0, 4000), 2), Uint8Array.of(0))),
        compressedBlock(cat(rawLiterals(raw, 3), Uint8Array.of(0))),
        rleBlock(0x44, 10),
        rawBlock(new Uint8Array(0)),
        rawBlock(raw.subarray(0, 7), last),
      ),
      cat(
        new Uint8Array(20).fill(0x41),
        new Uint8Array(3000).fill(0x42),
        new Uint8Array(70_000).fill(0x43),
        raw.subarray(0, 30),
        raw.subarray(0, 4000),
        raw,
        new Uint8Array(10).fill(0x44),
        raw.subarray(0, 7),
      ),
    );
  });

  it("sequence counts in one, two and three bytes (32,512 sequences), RLE tables and repeat mode", async () => {
    const lit = (n: number) => Uint8Array.from({ length: n }, (_, i) => 97 + (i % 26));
    const runs = (n: number) => Array.from({ length: n }, (): Sequence => ({ ll: 1, ml: 3, of: 1 }));
    const plain = (n: number) => Uint8Array.from(Array.from(lit(n)).flatMap((b) => [b, b, b, b]));
    const block = (n: number, countBytes: 1 | 2 | 3, repeat = false) =>
      compressedBlock(
        cat(
          rawLiterals(lit(n)),
          sequencesSection(
            runs(n),
            repeat ? { countBytes, ll: { repeat: true }, of: { repeat: true }, ml: { repeat: true } } : { countBytes },
          ),
        ),
      );
    const out = await expectValid(
      frame(one, block(5, 1), block(5, 2), block(300, 2), block(0x7f00, 3), block(7, 1, true), rawBlock(lit(1), last)),
    );
    expect(same(out, cat(plain(5), plain(5), plain(300), plain(0x7f00), plain(7), lit(1)))).toBe(true);
  });

  it("every repeat offset, with and without literals before the match, and overlapping matches", async () => {
    // Offsets 1..3 mean the repeat offsets; with no literals, they shift by one (the third is the first minus one).
    const lit = ascii("0123456789abcdefghijklmnopqrstuvwxyz");
    const seqs: Sequence[][] = [
      [
        { ll: 10, ml: 3, of: 3 + 9 },
        { ll: 1, ml: 3, of: 3 + 5 },
      ],
      [
        { ll: 1, ml: 4, of: 1 },
        { ll: 1, ml: 4, of: 2 },
        { ll: 1, ml: 4, of: 3 },
      ],
      [
        { ll: 0, ml: 5, of: 1 },
        { ll: 0, ml: 5, of: 2 },
        { ll: 0, ml: 5, of: 3 },
      ],
    ];
    // One code per kind and section, so each section holds sequences of one shape.
    const sections = [
      [{ ll: 10, ml: 3, of: 12 }],
      [{ ll: 1, ml: 3, of: 8 }],
      ...seqs[1]!.map((s) => [s]),
      ...seqs[2]!.map((s) => [s]),
      // Overlapping matches: offset 1 and 40 bytes, offset 3 and 40 bytes, offset 40 and 40 bytes.
      [{ ll: 1, ml: 40, of: 1 + 3 }],
      [{ ll: 2, ml: 40, of: 3 + 3 }],
      [{ ll: 5, ml: 40, of: 40 + 3 }],
      [{ ll: 0, ml: 64, of: 41 + 3 }],
    ];
    let at = 0;
    const blocks = sections.map((s) => {
      const n = s.reduce((t, q) => t + q.ll, 0);
      const b = compressedBlock(cat(rawLiterals(lit.subarray(at % 20, (at % 20) + n)), sequencesSection(s)));
      at += n;
      return b;
    });
    await expectValid(frame(one, ...blocks, rawBlock(lit, last)));
  });

  it("a single-symbol FSE table of the largest match code, after a run of zeros", async () => {
    // Match code 52: 65,539 bytes and 16 extra bits; its description runs zeros up to the last symbol.
    const seq = { ll: 1, ml: 65_539 + 1000, of: 1 };
    await expectValid(
      frame(
        one,
        compressedBlock(cat(rawLiterals(ascii("z")), sequencesSection([seq], { ml: singleSymbol(52) })), last),
      ),
      new Uint8Array(66_540).fill(0x7a),
    );
  });

  // 2^25 bytes of output: left out of mutation runs, where the bit reader's own test covers long reads.
  it.skipIf(process.env.CRIU_IMAGE_MUTATE_LIGHT === "1")("an offset of 25 bits, 32 MiB back", async () => {
    const back = (1 << 25) + 12_345;
    const history = 257 * (128 << 10);
    const stream = frame(
      { window: 0x80 },
      ...Array.from({ length: 257 }, (_, i) => rleBlock(i & 255, 128 << 10)),
      compressedBlock(cat(rawLiterals(ascii("x")), sequencesSection([{ ll: 1, ml: 100, of: back + 3 }])), last),
    );
    const want = zstdCli(stream) as Uint8Array;
    expect(want.length).toBe(history + 1 + 100);
    // Only the last block is compared: the RLE blocks before it are the same bytes for any decoder that reads them.
    let tail = new Uint8Array(0);
    let length = 0;
    for await (const c of zstdDecompress(reusedChunks(stream, 1 << 20))) {
      length += c.length;
      tail = c.slice();
    }
    expect(length).toBe(want.length);
    expect(same(tail, want.subarray(history))).toBe(true);
  });

  it("header fields of every size: a two-byte content size, dictionary ids of zero, a window mantissa", async () => {
    const data = ascii("hello, zstd frames");
    for (const o of [
      { contentSize: 300, fcsBytes: 2 },
      { contentSize: 300, fcsBytes: 8 },
      { single: true, contentSize: 300, fcsBytes: 2 },
      { dictBytes: 1, dictId: 0 },
      { dictBytes: 2, dictId: 0, contentSize: 300, fcsBytes: 4 },
      { dictBytes: 4, dictId: 0, window: 0x57 },
    ] as HeaderOptions[]) {
      const blocks = [rawBlock(data), rleBlock(0x2e, 300 - 2 * data.length), rawBlock(data, last)];
      await expectValid(frame(o, ...blocks), cat(data, new Uint8Array(300 - 2 * data.length).fill(0x2e), data));
    }
  });

  it("a skippable frame longer than what is buffered, between two frames, at any chunk size", async () => {
    const skip = cat(
      Uint8Array.of(0x5e, 0x2a, 0x4d, 0x18),
      Uint8Array.of(0x40, 0x0d, 0x03, 0),
      new Uint8Array(200_000),
    );
    const f = frame(one, rawBlock(ascii("one"), last));
    const stream = cat(f, skip, frame(one, rawBlock(ascii("two"), last)));
    const bad = cat(f, skip, Uint8Array.of(1, 2, 3, 4, 5));
    const at = f.length + skip.length;
    for (const chunk of [1, 7, 100, 4096, 20_000]) {
      expect(same((await ours(stream, chunk)).out, ascii("onetwo"))).toBe(true);
      // Offsets count the skipped bytes, however they arrived.
      const e = await error(bad, chunk);
      expect([e.offset, e.message]).toEqual([at, `zstd: at byte ${at}: expected the zstd magic number`]);
    }
  });
});

describe("hand-built frames at each limit", () => {
  it("one direct weight (a header byte of 128), 131,072 literals, six literals in four streams", async () => {
    // Weight 1 for symbol 0 and the implied weight 1 for symbol 1.
    const bits = Uint8Array.from({ length: 500 }, (_, i) => ((i * 5) % 3) & 1);
    const two = huffmanCode([1]);
    await expectValid(
      frame(
        one,
        compressedBlock(
          cat(huffmanLiterals(two, bits, { type: 2, tree: directWeights([1]), format: 0 }), Uint8Array.of(0)),
        ),
        compressedBlock(cat(rleLiterals(0x61, 128 << 10, 3), Uint8Array.of(0))),
        compressedBlock(
          cat(
            huffmanLiterals(
              two,
              Uint8Array.from({ length: 128 << 10 }, (_, i) => i & 1),
              { type: 3, format: 3 },
            ),
            Uint8Array.of(0),
          ),
        ),
        compressedBlock(
          cat(huffmanLiterals(two, Uint8Array.of(0, 1, 1, 0, 1, 0), { type: 3, format: 1 }), Uint8Array.of(0)),
          last,
        ),
      ),
    );
  });

  it("the largest RLE match code, a sequence count of 32,769 in three bytes, a window of 1,920 bytes", async () => {
    await expectValid(
      frame(
        one,
        compressedBlock(cat(rawLiterals(ascii("m")), sequencesSection([{ ll: 1, ml: 65_539 + 7, of: 1 }])), last),
      ),
      new Uint8Array(65_547).fill(0x6d),
    );
    const n = 0x7f00 + 0x101;
    const seqs = Array.from({ length: n }, (): Sequence => ({ ll: 0, ml: 3, of: 4 + 3 }));
    await expectValid(
      frame(
        one,
        rawBlock(ascii("abcd")),
        compressedBlock(cat(rawLiterals(new Uint8Array(0)), sequencesSection(seqs, { countBytes: 3 })), last),
      ),
      ascii("abcd".repeat(2 + Math.ceil((3 * n) / 4))).subarray(0, 4 + 3 * n),
    );
    // Window descriptor 0x07: 2^10 and seven eighths more, 1,920 bytes: a block of 1,920 fits, one of 1,921 does not.
    await expectValid(frame({ window: 0x07 }, rawBlock(new Uint8Array(1920).fill(1), last)));
    await expectDamaged(
      frame({ window: 0x07 }, rawBlock(new Uint8Array(1921).fill(1), last)),
      "a block of at most 1920 bytes (not 1921)",
    );
  });

  it("sections that end exactly where a check looks: the error names the next thing missing", async () => {
    const section = (literals: Uint8Array) => frame(one, compressedBlock(literals, last));
    // A tree that fills the literals section: the stream after it is what is missing.
    const empty = new Uint8Array(0);
    await expectDamaged(
      section(cat(treeAndStreams(abcdTree, empty), Uint8Array.of(0))),
      inBlock("a bitstream without its end mark"),
    );
    await expectDamaged(
      section(cat(treeAndStreams(endlessTree, empty), Uint8Array.of(0))),
      inBlock("more than 255 Huffman weights"),
    );
    // Literals that end the block: the sequences section is missing.
    await expectDamaged(
      section(huffmanLiterals(abcd, abcdText(30), { type: 2, tree: abcdTree, format: 0 })),
      inBlock("a missing sequences section"),
    );
    // A jump table and nothing after it: the first stream has no end mark.
    const jump = treeAndStreams(abcdTree, new Uint8Array(6), 1, 100);
    await expectDamaged(section(cat(jump, Uint8Array.of(0))), inBlock("a bitstream without its end mark"));
    // An FSE description of exactly 24 bits (codes 1 and 3: 26 and 6 of 32) that ends the block: the bitstream is
    // what is missing. With its bitstream, it decodes (state 0 is code 1: match length 4).
    const ml = { fse: fseDescription([0, 26, 0, 6], 5), log: 5 };
    expect(fseBits([0, 26, 0, 6], 5).length).toBe(24);
    const seq = sequencesSection([{ ll: 1, ml: 4, of: 1 }], { ml });
    await expectValid(section(cat(rawLiterals(ascii("q")), seq)), ascii("qqqqq"));
    const noBits = seq.subarray(0, 1 + 1 + 2 + ml.fse.length);
    await expectDamaged(section(cat(rawLiterals(ascii("q")), noBits)), inBlock("a bitstream without its end mark"));
    // Counts of two and three bytes that end the block: the modes are missing.
    const abc = rawLiterals(ascii("abcdefgh"));
    await expectDamaged(section(cat(abc, Uint8Array.of(255, 0, 0))), inBlock("missing compression modes"));
    await expectDamaged(section(cat(abc, Uint8Array.of(128, 5))), inBlock("missing compression modes"));
  });
});

describe("hand-built frames that are damaged", () => {
  const block = (body: Uint8Array) => frame(one, compressedBlock(body, last));
  const seqBlock = (seqs: Sequence[], o = {}, literals = rawLiterals(ascii("abcdefgh"))) =>
    block(cat(literals, sequencesSection(seqs, o)));

  it("frame headers: the reserved bit, a dictionary, cut fields", async () => {
    await expectDamaged(frame({ extra: 0x08 }, rawBlock(ascii("x"), last)), "without its reserved bit set", 0);
    await expectDamaged(frame({ dictBytes: 2, dictId: 0x2a01 }, rawBlock(ascii("x"), last)), "dictionary 10753");
    await expectDamaged(frameHeader().subarray(0, 4), /expected a frame header$/, 0);
    await expectDamaged(frameHeader({ contentSize: 9, fcsBytes: 8 }).subarray(0, 9), /expected a frame header$/);
    await expectDamaged(Uint8Array.of(1, 2, 3, 4, 5), /expected the zstd magic number$/, 0);
    const good = frame(one, rawBlock(ascii("x"), last));
    await expectDamaged(cat(good, Uint8Array.of(0x28, 0xb5)), "a frame's magic number, not the end of the stream");
    await expectDamaged(cat(good, Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 1)), "a skippable frame's size");
  });

  it("blocks: a cut header, a cut body, more than the content size, a cut checksum", async () => {
    await expectDamaged(cat(frameHeader(), Uint8Array.of(1, 0)), /expected a block header$/, 6);
    await expectDamaged(
      cat(frameHeader(), rawBlock(ascii("abcdef"), last)).subarray(0, 12),
      "a block of 6 bytes, cut short",
    );
    await expectDamaged(cat(frameHeader(), rleBlock(1, 6, last)).subarray(0, 9), "a block of 1 bytes, cut short");
    const o = { contentSize: 10, fcsBytes: 4 } as const;
    await expectDamaged(frame(o, rawBlock(ascii("12345678")), rawBlock(ascii("123"), last)), "(it holds more)");
    await expectDamaged(frame(o, rawBlock(ascii("12345678")), rawBlock(ascii("1"), last)), "(it holds 9)");
    await expectDamaged(
      frame({ checksum: true }, rawBlock(ascii("x"), last), Uint8Array.of(1, 2)),
      /the frame's checksum$/,
    );
  });

  it("literals sections", async () => {
    await expectDamaged(block(Uint8Array.of(1 | (1 << 2))), inBlock("a cut literals section header"));
    await expectDamaged(
      block(cat(rawLiterals(new Uint8Array(0)).subarray(0, 2))),
      inBlock("a cut literals section header"),
    );
    const header = (type: number, size: number) =>
      Uint8Array.of(type | (3 << 2) | ((size & 15) << 4), (size >> 4) & 255, size >> 12);
    await expectDamaged(block(cat(header(0, 200_000), new Uint8Array(10))), inBlock("200000 literals in one block"));
    await expectDamaged(block(cat(header(0, 20), new Uint8Array(10))), inBlock("cut raw literals"));
    await expectDamaged(block(header(1, 20)), inBlock("a cut RLE literal"));
    const big = huffmanLiterals(abcd, abcdText(100), { type: 2, tree: abcdTree, format: 3, size: 200_000 });
    await expectDamaged(block(big), inBlock("200000 literals in one block"));
    const cut = huffmanLiterals(abcd, abcdText(100), { type: 2, tree: abcdTree, format: 0 });
    await expectDamaged(block(cut.subarray(0, cut.length - 1)), inBlock("cut compressed literals"));
    await expectDamaged(
      block(cat(huffmanLiterals(abcd, abcdText(100), { type: 3, format: 0 }), Uint8Array.of(0))),
      inBlock("literals that reuse a Huffman table when there is none"),
    );
    const four = (streams: Uint8Array, size = 100) =>
      block(
        cat(huffmanLiterals(abcd, abcdText(size), { type: 2, tree: abcdTree, format: 1, streams }), Uint8Array.of(0)),
      );
    await expectDamaged(four(Uint8Array.of(1, 0, 1)), inBlock("a cut jump table"));
    await expectDamaged(
      four(Uint8Array.of(200, 0, 1, 0, 1, 0, 1, 1, 1, 1)),
      inBlock("four literal streams that do not fit"),
    );
    const s = huffmanStream(abcd, abcdText(1));
    await expectDamaged(
      four(cat(Uint8Array.of(s.length, 0, s.length, 0, s.length, 0), s, s, s, s), 2),
      inBlock("four literal streams that do not fit"),
    );
    // A fourth stream of no bytes: the streams fit, and the last has no end mark.
    const q = huffmanStream(abcd, abcdText(25));
    await expectDamaged(
      four(cat(Uint8Array.of(q.length, 0, q.length, 0, q.length, 0), q, q, q), 100),
      inBlock("a bitstream without its end mark"),
    );
  });

  it("Huffman tree descriptions and streams", async () => {
    const lits = (tree: Uint8Array, streams = Uint8Array.of(1)) =>
      block(cat(huffmanLiterals(abcd, abcdText(1), { type: 2, tree, format: 0, streams }), Uint8Array.of(0)));
    await expectDamaged(lits(new Uint8Array(0), new Uint8Array(0)), inBlock("a missing Huffman tree description"));
    await expectDamaged(lits(new Uint8Array(0), Uint8Array.of(200, 0x11)), inBlock("a cut Huffman tree description"));
    await expectDamaged(lits(new Uint8Array(0), Uint8Array.of(20, 0x11)), inBlock("a cut Huffman tree description"));
    await expectDamaged(lits(directWeights([12, 1])), inBlock("a Huffman weight of 12"));
    await expectDamaged(lits(directWeights([0, 0, 0])), inBlock("Huffman weights that are all zero"));
    await expectDamaged(
      lits(directWeights([3, 1])),
      inBlock("Huffman weights that leave no power of two for the last symbol"),
    );
    await expectDamaged(lits(directWeights([11, 11])), inBlock("Huffman codes longer than 11 bits"));
    // Weights 2, 2 and the implied 3: a complete code, but its table is twice what its longest code needs.
    await expectDamaged(lits(directWeights([2, 2])), inBlock("Huffman weights with no symbol of weight 1"));
    await expectDamaged(lits(endlessTree), inBlock("more than 255 Huffman weights"));
    const stream = huffmanStream(abcd, abcdText(30), 3);
    await expectDamaged(
      block(
        cat(
          huffmanLiterals(abcd, abcdText(30), { type: 2, tree: abcdTree, format: 0, streams: stream }),
          Uint8Array.of(0),
        ),
      ),
      inBlock("a Huffman stream that does not end with its last literal"),
    );
  });

  it("sequences sections", async () => {
    const abc = rawLiterals(ascii("abcdefgh"));
    await expectDamaged(block(abc), inBlock("a missing sequences section"));
    await expectDamaged(block(cat(abc, Uint8Array.of(255, 0))), inBlock("a cut sequence count"));
    await expectDamaged(block(cat(abc, Uint8Array.of(130))), inBlock("a cut sequence count"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3))), inBlock("missing compression modes"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3, 0x01))), inBlock("reserved bits set in the compression modes"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3, 0x40))), inBlock("a cut RLE symbol"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3, 0x40, 40))), inBlock("an RLE ll code of 40"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3, 0xc0))), inBlock("a repeated ll table with none before"));
    await expectDamaged(block(cat(abc, Uint8Array.of(3, 0x80, 0x0f))), inBlock("an FSE accuracy of 20 (at most 9)"));
    // Counts that add up to more than the table, to less (all zero), a description cut short.
    await expectDamaged(
      block(cat(abc, Uint8Array.of(1, 0x80), fseDescription([40, 0], 5))),
      inBlock("an FSE table description that does not add up"),
    );
    await expectDamaged(
      block(cat(abc, Uint8Array.of(1, 0x80), fseDescription(new Array(36).fill(0), 5))),
      inBlock("an FSE table description that does not add up"),
    );
    const d = fseDescription([10, 10, 12], 5);
    await expectDamaged(
      block(cat(abc, Uint8Array.of(1, 0x80), d.subarray(0, d.length - 1))),
      inBlock("an FSE table description that does not add up"),
    );
    await expectDamaged(block(cat(abc, Uint8Array.of(0, 7))), inBlock("bytes after an empty sequences section"));
    const ok = { ll: 1, ml: 3, of: 1 };
    // RLE tables (codes 1, 0, 5) and then no bitstream at all (the byte before it is not an end mark).
    await expectDamaged(block(cat(abc, Uint8Array.of(1, 0x54, 1, 0, 5))), inBlock("a bitstream without its end mark"));
    await expectDamaged(
      seqBlock([{ ll: 4, ml: 3, of: 4 + 3 }], { count: 3 }),
      inBlock("a sequences bitstream read past its start"),
    );
    await expectDamaged(
      seqBlock([{ ll: 9, ml: 3, of: 1 }]),
      inBlock("a sequence that takes more literals than the block has"),
    );
    await expectDamaged(seqBlock([ok], { extraBits: 2 }), inBlock("a sequences bitstream with bits left over"));
    // With no literals before it, offset value 3 is the first repeat offset minus one: 1 - 1.
    await expectDamaged(
      seqBlock([{ ll: 0, ml: 3, of: 3 }]),
      inBlock("a match offset of 0 before the start of the data"),
    );
    await expectDamaged(
      seqBlock([{ ll: 2, ml: 3, of: 3 + 3 }]),
      inBlock("a match offset of 3 before the start of the data"),
    );
  });

  it("a block that decodes to more than its window", async () => {
    const small = { single: true, contentSize: 10 } as const;
    await expectDamaged(
      frame(small, compressedBlock(cat(rleLiterals(0x41, 20, 1), Uint8Array.of(0)), last)),
      inBlock("a block that decodes to more than its maximum size"),
    );
    await expectDamaged(
      frame(
        small,
        compressedBlock(cat(rawLiterals(ascii("ab"), 1), sequencesSection([{ ll: 2, ml: 20, of: 1 + 3 }])), last),
      ),
      inBlock("a block that decodes to more than its maximum size"),
    );
  });
});

describe("the backward bit reader", () => {
  it("reads what was written, 0 to 31 bits at a time, from the end mark down", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 255 }),
        fc.array(fc.integer({ min: 0, max: 31 }), { maxLength: 40 }),
        fc.nat(3),
        (body, lastByte, widths, start) => {
          const buf = cat(new Uint8Array(start).fill(0xa5), body, Uint8Array.of(lastByte));
          const stream = cat(body, Uint8Array.of(lastByte));
          // The reference: the stream as one little-endian integer, below its end mark.
          const big = BigInt(`0x${Buffer.from(stream).reverse().toString("hex")}`);
          let left = stream.length * 8 - (8 - Math.floor(Math.log2(lastByte)));
          const bits = new BackwardBits(buf, start, buf.length);
          expect(bits.bits).toBe(left);
          for (const n of widths) {
            if (n > left) break;
            left -= n;
            const want = Number((big >> BigInt(left)) & ((1n << BigInt(n)) - 1n));
            if (n <= 24 && n > 0) expect(bits.peek(n)).toBe(want);
            expect(bits.read(n)).toBe(want);
            expect(bits.bits).toBe(left);
          }
        },
      ),
    );
  });
});

describe("the input buffer", () => {
  it("stays small however many times it is refilled and whatever size is asked", async () => {
    const total = 1 << 20;
    async function* chunks() {
      for (let at = 0; at < total; at += 7) yield new Uint8Array(7).fill(at & 255);
    }
    const input = new Input(chunks());
    let largest = 0;
    for (let read = 0; read + 1000 < total; read += 1000) {
      expect(await input.need(1000)).toBe(true);
      largest = Math.max(largest, input.bytes.length);
      input.consume(1000);
    }
    expect(largest).toBe(1 << 16);
    expect(await input.need(70_000)).toBe(false);
    const big = new Input(chunks());
    expect(await big.need(70_000)).toBe(true);
    expect(big.bytes.length).toBe(1 << 17);
  });
});

describe("XXH64 at the lengths where its steps change", () => {
  const zstd = (data: Uint8Array) => new Uint8Array(execFileSync("zstd", ["-q", "-c"], { input: data }));
  it("gives the checksum zstd(1) stores, for lengths around 32 and from any start", () => {
    const data = Uint8Array.from({ length: 200 }, (_, i) => (i * 131 + 7) & 255);
    for (const n of [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 100]) {
      const z = zstd(data.subarray(0, n));
      const stored = new DataView(z.buffer, z.byteOffset + z.length - 4).getUint32(0, true);
      const h = new Xxh64();
      h.update(data, 0, n);
      expect(h.digest32(), `${n} bytes`).toBe(stored);
      for (const from of [1, 5, 17]) {
        const copy = new Uint8Array(from + n);
        copy.set(data.subarray(0, n), from);
        const x = new Xxh64();
        x.update(copy, from);
        expect(x.digest32(), `${n} bytes from ${from}`).toBe(stored);
      }
    }
  });
});
