/**
 * Tar metadata an attacker controls: bounded per record, per member and in
 * total; the end-of-archive marker ends the archive as it does for GNU tar;
 * GNU sparse members, bookkeeping names, absurd names and parent files that
 * lead out are unsafe members, never read as files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eachTarMember, type TarEnd, TarError, type TarHeader } from "../../src/archive/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { cat, reusedChunks } from "../helpers/bytes.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

const enc = new TextEncoder();
const octal = (v: number, len: number) => enc.encode(`${v.toString(8).padStart(len - 1, "0")}\0`);

/** One ustar header block: name, typeflag and size, with its checksum. */
function header(name: string, flag: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(name).subarray(0, 100));
  h.set(octal(0o644, 8), 100);
  h.set(octal(0, 8), 108);
  h.set(octal(0, 8), 116);
  h.set(octal(size, 12), 124);
  h.set(octal(0, 12), 136);
  h[156] = flag.charCodeAt(0);
  h.set(enc.encode("ustar\u000000"), 257);
  h.fill(0x20, 148, 156);
  h.set(
    octal(
      h.reduce((a, b) => a + b, 0),
      7,
    ),
    148,
  );
  return h;
}

/** A member: its header and its body padded to 512. */
function member(name: string, flag: string, body: Uint8Array | string): Uint8Array {
  const b = typeof body === "string" ? enc.encode(body) : body;
  const padded = new Uint8Array(Math.ceil(b.length / 512) * 512);
  padded.set(b);
  return cat(header(name, flag, b.length), padded);
}

/** A pax record set as "LEN key=value\n" records. */
function pax(records: Record<string, string>): string {
  let out = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    out += `${len}${body}`;
  }
  return out;
}

async function read(tar: Uint8Array): Promise<{ headers: TarHeader[]; end?: TarEnd; error?: unknown }> {
  const headers: TarHeader[] = [];
  try {
    const end = await eachTarMember(reusedChunks(tar, 4096), async (h) => {
      headers.push(h);
    });
    return { headers, end };
  } catch (error) {
    return { headers, error };
  }
}

const END = new Uint8Array(1024);

describe("tar metadata bounds", () => {
  it("refuses more than eight metadata records before one member", async () => {
    const longNames = Array.from({ length: 20 }, (_, i) => member("././@LongLink", "L", `name-${i}\0`));
    const r = await read(cat(...longNames, member("a", "0", "x"), END));
    expect(r.error).toBeInstanceOf(TarError);
    expect((r.error as Error).message).toMatch(/at most 8 pax records or long names before a member/);
    // Three (pax, long name, long link) are what a real archive has.
    const ok = await read(
      cat(
        member("pax", "x", pax({ mtime: "1" })),
        member("././@LongLink", "L", "long\0"),
        member("././@LongLink", "K", "target\0"),
        member("a", "2", ""),
        END,
      ),
    );
    expect(ok.headers.map((h) => [h.name, h.linkname])).toEqual([["long", "target"]]);
  });

  it("bounds global pax records in total, however many headers carry them", async () => {
    const value = "v".repeat(200_000);
    const globals = Array.from({ length: 6 }, (_, i) => member("g", "g", pax({ [`key${i}`]: value })));
    const r = await read(cat(...globals, member("a", "0", "x"), END));
    expect(r.error).toBeInstanceOf(TarError);
    expect((r.error as Error).message).toMatch(/global pax records of at most 1048576 bytes in all/);
    const few = await read(cat(...globals.slice(0, 4), member("a", "0", "x"), END));
    expect(few.headers).toHaveLength(1);
  });
});

describe("the end-of-archive marker", () => {
  it("ends the archive: a member after it is not read, and that data followed is said", async () => {
    const r = await read(cat(member("readme.txt", "0", "hi"), END, member("inventory.img", "0", "x"), END));
    expect(r.headers.map((h) => h.name)).toEqual(["readme.txt"]);
    expect(r.end).toEqual({ marker: true, dataAfter: true });
    // The zeros a tar pads its last record with are not data.
    const padded = await read(cat(member("a", "0", "x"), END, new Uint8Array(8192)));
    expect(padded.end).toEqual({ marker: true, dataAfter: false });
    expect((await read(member("a", "0", "x"))).end).toEqual({ marker: false, dataAfter: false });
  });

  it("stops at once on a stream of nothing but zero blocks (a bomb of zeros)", async () => {
    async function* zeros(): AsyncGenerator<Uint8Array> {
      const z = new Uint8Array(1 << 20);
      // A gigabyte and more, were it all read.
      for (let i = 0; i < 2000; i++) yield z;
    }
    let pulled = 0;
    const counted = (async function* () {
      for await (const c of zeros()) {
        pulled += c.length;
        yield c;
      }
    })();
    expect(await eachTarMember(counted, async () => {})).toEqual({ marker: true, dataAfter: false });
    expect(pulled).toBeLessThanOrEqual(2 << 20);
  });
});

describe("members that are never read as plain files", () => {
  let dir = "";
  tempDirPerTest("criu-image-hostile-tar-", (d) => {
    dir = d;
  });

  it("GNU sparse members, old and pax formats, are their own type", async () => {
    // GNU tar itself: a file with a hole, archived with -S in the old GNU format and in pax 1.0.
    const src = join(dir, "src");
    mkdirSync(src);
    execFileSync("sh", ["-c", `printf a > ${src}/holes && truncate -s 1M ${src}/holes && printf b >> ${src}/holes`]);
    for (const format of ["gnu", "posix"]) {
      const tar = join(dir, `${format}.tar`);
      execFileSync("tar", ["-S", `--format=${format}`, "-cf", tar, "-C", src, "holes"]);
      const r = await read(new Uint8Array(readFileSync(tar)));
      expect(
        r.headers.map((h) => h.type),
        format,
      ).toEqual(["gnu-sparse"]);
    }
  });

  it("an archive with a sparse pages file, a bookkeeping name, a long name or a parent leading out is refused by tcp rewrite", async () => {
    const tcp4 = join(corpusRoot, "images", "tcp4");
    /** Adds a file to the dump; no extra tar flags. */
    const written = (d: string, name: string, text: string): string[] => {
      writeFileSync(join(d, name), text);
      return [];
    };
    const cases: [string, (d: string) => string[]][] = [
      ["a sparse pages file", () => ["-S", "--format=gnu"]],
      [".criu-image-journal", (d) => written(d, ".criu-image-journal", "{}")],
      [".criu-image-lock", (d) => written(d, ".criu-image-lock", "1")],
      ["a parent file naming a host path", (d) => written(d, "parent", "/var/lib/other\n")],
      ["a parent file climbing out", (d) => written(d, "parent", "../../../x\n")],
    ];
    for (const [what, prepare] of cases) {
      const d = join(dir, what.replace(/\W/g, "-"));
      execFileSync("cp", ["-r", tcp4, d]);
      const flags = prepare(d);
      if (what === "a sparse pages file") execFileSync("truncate", ["-s", "+1M", join(d, "pages-1.img")]);
      const tar = `${d}.tar`;
      execFileSync("tar", [...flags, "-cf", tar, "-C", d, "."]);
      const cp = await openCheckpoint(tar);
      expect(cp.source.unsafe?.length, what).toBe(1);
      const r = await runCli(["tcp", "rewrite", tar, "--addr", "127.0.0.2=10.0.0.2", "--out", `${d}-out`]);
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toMatch(/unsafe/);
    }
  });

  it("a half-megabyte name is unsafe and clipped in what is reported", async () => {
    const name = "n".repeat(500_000);
    const tar = cat(member("././@LongLink", "L", `${name}\0`), member("x", "0", "data"), END);
    const r = await read(tar);
    expect(r.headers[0]?.name.length).toBe(500_000);
    const file = join(dir, "long.tar");
    writeFileSync(
      file,
      cat(tar.subarray(0, tar.length - 1024), readFileSync(join(corpusRoot, "archives", "podman-web.tar"))),
    );
    const cp = await openCheckpoint(file);
    const u = cp.source.unsafe?.[0];
    expect(u?.reason).toMatch(/a name of 500000 characters \(at most 4096\)/);
    expect(u?.name.length).toBeLessThan(300);
  });
});

describe("sources read by offset", () => {
  it("pass over the bodies nobody reads, and read the same members", async () => {
    const big = new Uint8Array(3 << 20).fill(7);
    const tar = cat(member("a", "0", "first"), member("pages-1.img", "0", big), member("b", "0", "last"), END);
    let read = 0;
    let pos = 0;
    const source = {
      skip(n: number) {
        pos += n;
      },
      async *[Symbol.asyncIterator]() {
        while (pos < tar.length) {
          const chunk = tar.slice(pos, pos + 65536);
          pos += chunk.length;
          read += chunk.length;
          yield chunk;
        }
      },
    };
    const seen: [string, string][] = [];
    await eachTarMember(source, async (h, body) => {
      if (h.name.startsWith("pages-")) return;
      let text = "";
      for await (const c of body) text += new TextDecoder().decode(c);
      seen.push([h.name, text]);
    });
    expect(seen).toEqual([
      ["a", "first"],
      ["b", "last"],
    ]);
    expect(read).toBeLessThan(1 << 20);
    // The same archive streamed reads everything, and gives the same members.
    const streamed = await read2(tar);
    expect(streamed).toEqual(["a", "pages-1.img", "b"]);
  });
});

async function read2(tar: Uint8Array): Promise<string[]> {
  const names: string[] = [];
  await eachTarMember(reusedChunks(tar, 4096), async (h) => {
    names.push(h.name);
  });
  return names;
}
