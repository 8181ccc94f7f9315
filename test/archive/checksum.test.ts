/**
 * zstd content checksums: XXH64 itself, every zstd(1) frame's checksum
 * verified, and damaged data that still decodes is refused, by the decoder
 * and by every command that reads a damaged .tar.zst.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArchiveError, ZstdError, zstdDecompress } from "../../src/archive/index.js";
import { Xxh64 } from "../../src/archive/zstd/xxh64.js";
import { CriuImageError } from "../../src/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { reusedChunks } from "../helpers/bytes.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

const zstd = (data: Uint8Array, ...args: string[]) =>
  new Uint8Array(execFileSync("zstd", ["-q", "-c", ...args], { input: data, maxBuffer: 1 << 30 }));

const hex = ([h, l]: [number, number]) => h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0");

async function failure(stream: Uint8Array, chunk = 1 << 16): Promise<unknown> {
  try {
    for await (const _ of zstdDecompress(reusedChunks(stream, chunk)));
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("XXH64", () => {
  it("gives the reference digests, fed whole or in any pieces", () => {
    // The reference implementation's values for seed 0.
    const vectors: [string, string][] = [
      ["", "ef46db3751d8e999"],
      ["a", "d24ec4f1a98c6e5b"],
      ["abc", "44bc2cf5ad770999"],
      ["Nobody inspects the spammish repetition", "fbcea83c8a378bf1"],
    ];
    for (const [text, want] of vectors) {
      const b = new TextEncoder().encode(text);
      for (let cut = 0; cut <= b.length; cut++) {
        const x = new Xxh64();
        x.update(b, 0, cut);
        x.update(b, cut);
        expect(hex(x.digest()), `${text} cut at ${cut}`).toBe(want);
      }
    }
  });

  it("the same digest however the input is split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 6 }), (b, cuts) => {
        const whole = new Xxh64();
        whole.update(b);
        const parts = new Xxh64();
        let at = 0;
        for (const c of [...cuts.map((c) => c % (b.length + 1))].sort((x, y) => x - y)) {
          parts.update(b, at, c);
          at = c;
        }
        parts.update(b, at);
        expect(parts.digest()).toEqual(whole.digest());
      }),
    );
  });
});

describe("zstd content checksums", () => {
  // Binary data of a real checkpoint: memory pages at high levels, where repeat offsets and long matches matter.
  const memory = join(corpusRoot, "images", "memory");
  const pages = readdirSync(memory)
    .filter((n) => n.startsWith("pages-"))
    .map((n) => new Uint8Array(readFileSync(join(memory, n))))
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);

  it("verifies zstd(1)'s checksum of binary pages at levels 1 to 22 and window logs 10 to 27", async () => {
    for (const page of pages) {
      const levels = [["-1"], ["-12"], ["-19"], ["--ultra", "-22"], ["-3", "--zstd=wlog=10"], ["-19", "--long=27"]];
      // Mutation runs (CRIU_IMAGE_MUTATE_LIGHT) keep a high level and the smallest window: the slow levels add no path.
      for (const args of process.env.CRIU_IMAGE_MUTATE_LIGHT === "1"
        ? levels.slice(2, 3).concat(levels.slice(4, 5))
        : levels) {
        const frame = zstd(page, ...args);
        const out: Uint8Array[] = [];
        for await (const c of zstdDecompress(reusedChunks(frame, 4096))) out.push(c.slice());
        expect(Buffer.concat(out).equals(Buffer.from(page)), args.join(" ")).toBe(true);
      }
    }
  });

  it("refuses one flipped byte anywhere past the frame header, even where the block still decodes", async () => {
    // Random bytes make raw blocks: a flip there decodes to other bytes, which only the checksum can tell.
    const raw = zstd(randomBytes(300_000), "-3");
    const packed = zstd(pages[0] as Uint8Array, "-19");
    for (const [name, good] of [
      ["raw blocks", raw],
      ["compressed pages", packed],
    ] as const) {
      const positions = fc.sample(fc.integer({ min: 6, max: good.length - 1 }), { numRuns: 150, seed: 8 });
      let byChecksum = 0;
      for (const at of [...positions, good.length - 1, good.length - 4]) {
        const bad = good.slice();
        bad[at] = (bad[at] as number) ^ 0x20;
        const e = await failure(bad);
        expect(e, `${name}: flip at ${at}`).toBeInstanceOf(ZstdError);
        if (/content checksum/.test((e as Error).message)) byChecksum++;
      }
      // Most flips in raw data decode; the checksum is what catches them.
      if (name === "raw blocks") expect(byChecksum).toBeGreaterThan(100);
    }
  });

  it("names the stored and computed checksums, at the checksum's offset", async () => {
    const good = zstd(randomBytes(1000), "-3");
    const bad = good.slice();
    bad[100] = (bad[100] as number) ^ 1;
    const e = (await failure(bad)) as ZstdError;
    expect(e).toBeInstanceOf(CriuImageError);
    expect(e.code).toBe("BAD_ARCHIVE");
    expect(e.offset).toBe(good.length - 4);
    expect(e.message).toMatch(
      /^zstd: at byte \d+: expected the frame's content checksum 0x[0-9a-f]{8} \(the content hashes to 0x[0-9a-f]{8}: the data is damaged\)$/,
    );
  });
});

describe("a damaged .tar.zst", () => {
  let dir = "";
  tempDirPerTest("criu-image-damaged-", (d) => {
    dir = d;
  });

  /** The tcp4 dump with a member of random bytes (raw blocks), one byte flipped inside them. */
  function damaged(): { path: string; at: number } {
    const tar = join(dir, "cp.tar");
    writeFileSync(join(dir, "noise.bin"), randomBytes(400_000));
    execFileSync("tar", ["cf", tar, "-C", join(corpusRoot, "images", "tcp4"), ".", "-C", dir, "noise.bin"]);
    const z = zstd(new Uint8Array(readFileSync(tar)), "-3");
    const at = z.length - 20_000;
    z[at] = (z[at] as number) ^ 0x40;
    const path = join(dir, "cp.tar.zst");
    writeFileSync(path, z);
    return { path, at };
  }

  it("is an ArchiveError naming the archive, for the library", async () => {
    const { path } = damaged();
    const e = await openCheckpoint(path).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ArchiveError);
    expect((e as ArchiveError).code).toBe("BAD_ARCHIVE");
    expect((e as ArchiveError).image).toBe(path);
    expect((e as Error).message).toMatch(
      new RegExp(`^${path}: zstd: at byte \\d+: expected the frame's content checksum`),
    );
  });

  for (const args of [
    ["verify"],
    ["inspect"],
    ["tcp", "list"],
    ["tcp", "rewrite", "--addr", "127.0.0.2=10.0.0.2", "--out"],
  ])
    it(`fails ${args.join(" ")} with the archive and offset, exit 1, writing nothing`, async () => {
      const { path } = damaged();
      const out = join(dir, "out.tar.zst");
      const argv = args.at(-1) === "--out" ? [...args.slice(0, 2), path, ...args.slice(2), out] : [...args, path];
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${path}: zstd: at byte \\d+: expected the frame's content checksum`));
      expect(readdirSync(dir).sort()).toEqual(["cp.tar", "cp.tar.zst", "noise.bin"]);
    });
});
