import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { Decompress } from "fzstd";
import { describe, expect, it } from "vitest";
import { decompressed } from "../../src/node/compress.js";
import { ZstdUnits } from "../../src/node/zstd-units.js";

// zstd(1) is installed by .ci/run; without it these fail rather than skip.
const zstd = (data: Uint8Array, ...args: string[]) =>
  new Uint8Array(execFileSync("zstd", ["-q", "-c", ...args], { input: data, maxBuffer: 1 << 30 }));

const BLOCK_MAX = 128 << 10;

/** Input with long runs of zeros (RLE blocks: 4 bytes for 128 KiB) between random stretches. */
function mixed(mib: number): Uint8Array {
  const out = new Uint8Array(mib << 20);
  for (let at = 0; at < out.length; at += 3 << 20) out.set(randomBytes(Math.min(200_000, out.length - at)), at);
  return out;
}

function skippable(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x184d2a53, true);
  v.setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** Feeds `stream` in chunks of `chunk` bytes, cut by ZstdUnits; the largest output of one push. */
function feed(stream: Uint8Array, chunk: number): { out: Uint8Array; maxPush: number; pieces: Uint8Array[] } {
  const outs: Uint8Array[] = [];
  let pushed = 0;
  let maxPush = 0;
  const z = new Decompress((c) => {
    outs.push(c);
    pushed += c.length;
  });
  const units = new ZstdUnits();
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += chunk) {
    for (const p of units.pieces(stream.subarray(at, at + chunk))) {
      pieces.push(p);
      pushed = 0;
      z.push(p);
      maxPush = Math.max(maxPush, pushed);
    }
  }
  z.push(new Uint8Array(0), true);
  return { out: concat(outs), maxPush, pieces };
}

describe("zstd fed one block at a time", () => {
  const data = mixed(24);
  const streams: [string, Uint8Array, Uint8Array][] = [
    ["level 1", zstd(data, "-1"), data],
    ["level 19, no checksum", zstd(data.subarray(0, 4 << 20), "-19", "--no-check"), data.subarray(0, 4 << 20)],
    [
      "two frames and a skippable frame",
      concat([zstd(data.subarray(0, 1 << 20)), skippable(randomBytes(1000)), zstd(data.subarray(1 << 20, 3 << 20))]),
      data.subarray(0, 3 << 20),
    ],
    ["an empty input", zstd(new Uint8Array(0)), new Uint8Array(0)],
  ];
  // Chunk sizes from 1 byte (every field cut) to 1 MiB (many blocks per chunk).
  for (const [name, stream, plain] of streams) {
    for (const chunk of [1, 7, 4096, 1 << 20]) {
      if (chunk === 1 && stream.length > 1 << 20) continue;
      it(`${name}, chunks of ${chunk} bytes: same bytes out, at most one block per push`, () => {
        const r = feed(stream, chunk);
        expect(md5(concat(r.pieces))).toBe(md5(stream));
        expect(r.out.length).toBe(plain.length);
        expect(md5(r.out)).toBe(md5(plain));
        expect(r.maxPush).toBeLessThanOrEqual(BLOCK_MAX);
      });
    }
  }

  it("bounds what one 64 KiB read of zeros gives (it was the whole run at once)", async () => {
    const zeros = zstd(new Uint8Array(64 << 20), "-1");
    expect(zeros.length).toBeLessThan(64 << 10); // one read holds all of it
    let total = 0;
    let max = 0;
    async function* oneRead() {
      yield zeros;
    }
    for await (const c of decompressed(oneRead())) {
      total += c.length;
      max = Math.max(max, c.length);
    }
    expect(total).toBe(64 << 20);
    expect(max).toBeLessThanOrEqual(BLOCK_MAX);
  });

  it("passes what is not zstd framing on to the decoder, which refuses it", () => {
    // A frame header, then a block header of the reserved type 3.
    const reserved = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x07, 0x00, 0x00, 1, 2, 3]);
    expect(() => feed(reserved, 3)).toThrow();
    expect(() => feed(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 3)).toThrow();
  });
});
