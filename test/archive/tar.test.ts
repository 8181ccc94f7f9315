import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { type Header, pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { eachTarMember, TarError, type TarHeader } from "../../src/archive/index.js";
import { reusedChunks } from "../helpers/bytes.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

interface Read {
  header: TarHeader;
  data: Buffer;
}

async function readAll(tar: Uint8Array, chunk = 4096, take?: number): Promise<Read[]> {
  const out: Read[] = [];
  await eachTarMember(reusedChunks(tar, chunk), async (header, body) => {
    const parts: Buffer[] = [];
    let got = 0;
    for await (const c of body) {
      parts.push(Buffer.from(c)); // a copy: the view is overwritten by the next read
      got += c.length;
      if (take !== undefined && got >= take) break;
    }
    out.push({ header, data: Buffer.concat(parts) });
  });
  return out;
}

async function failure(tar: Uint8Array): Promise<unknown> {
  try {
    await readAll(tar);
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A tar of these members, packed by tar-stream. */
async function packAll(members: { header: Partial<Header> & { name: string }; data: Uint8Array }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on("end", () => r()));
  for (const m of members) p.entry(m.header as Header, Buffer.from(m.data));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const packed = (entries: { name: string; data: Uint8Array }[]) =>
  packAll(entries.map((e) => ({ header: { name: e.name, mtime: new Date(1_700_000_000_000) }, data: e.data })));

describe("tar reader", () => {
  let work = "";
  tempDirPerTest("criu-image-tar-", (d) => {
    work = d;
  });

  it("reads what tar-stream packs, however the stream is cut, with chunks from a reused buffer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^[a-z0-9._-]{1,40}(\/[a-z0-9._-]{1,40}){0,4}$/),
            data: fc.uint8Array({ maxLength: 3000 }),
          }),
          { selector: (e) => e.name, maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 2000 }),
        async (entries, chunk) => {
          const got = await readAll(await packed(entries), chunk);
          expect(got.map((g) => g.header.name)).toEqual(entries.map((e) => e.name));
          got.forEach((g, i) => {
            expect(g.header.type).toBe("file");
            expect(g.header.size).toBe(entries[i]?.data.length);
            expect(g.data.equals(Buffer.from(entries[i]?.data ?? []))).toBe(true);
            expect(g.header.mtime.getTime()).toBe(1_700_000_000_000);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  for (const format of ["gnu", "ustar", "pax", "v7"]) {
    it(`reads GNU tar's ${format} format: long names, links, folders, modes and owners`, async () => {
      const root = join(work, "root");
      const deep = format === "v7" ? "d" : `d/${"x".repeat(90)}/${"y".repeat(60)}`;
      mkdirSync(join(root, deep), { recursive: true });
      // ustar splits a long path into prefix and name, each with a limit; gnu and pax have no limit.
      const file = join(deep, format === "v7" ? "f" : `${"n".repeat(format === "ustar" ? 90 : 120)}.img`);
      const target = format === "v7" ? "empty" : `${"t".repeat(format === "ustar" ? 80 : 110)}/target`;
      writeFileSync(join(root, file), "hello");
      writeFileSync(join(root, "empty"), "");
      writeFileSync(join(root, "block"), Buffer.alloc(1024, 7));
      symlinkSync(target, join(root, "link"));
      const tar = execFileSync("tar", [
        `--format=${format}`,
        "--owner=1234",
        "--group=42",
        "--mode=640",
        "--sort=name",
        "-cf",
        "-",
        "-C",
        root,
        ".",
      ]);
      const got = await readAll(tar, 777);
      const by = new Map(got.map((g) => [g.header.name.replace(/^\.\//, ""), g]));
      expect(by.get(file)?.data.toString()).toBe("hello");
      expect(by.get(file)?.header).toMatchObject({ type: "file", size: 5, uid: 1234, gid: 42 });
      expect((by.get(file)?.header.mode ?? 0) & 0o777).toBe(0o640);
      expect(by.get("empty")?.data.length).toBe(0);
      expect(by.get("block")?.data.equals(Buffer.alloc(1024, 7))).toBe(true);
      expect(by.get("link")?.header).toMatchObject({ type: "symlink", linkname: target });
      expect(by.get(`${deep}/`)?.header.type ?? by.get(deep)?.header.type).toBe("directory");
    });
  }

  it("passes over what a visitor leaves of a body", async () => {
    const entries = [
      { name: "a", data: new Uint8Array(5000).fill(1) },
      { name: "b", data: new Uint8Array(700).fill(2) },
    ];
    const got = await readAll(await packed(entries), 512, 100);
    expect(got.map((g) => g.header.name)).toEqual(["a", "b"]);
    expect(got[1]?.data[0]).toBe(2);
  });

  it("applies pax records (path, linkpath, size, mtime) and keeps them", async () => {
    const tar = await packAll([
      {
        header: { name: "short", pax: { path: "a/very/long/name/from/pax", "SCHILY.xattr.user.k": "v" } },
        data: new TextEncoder().encode("x"),
      },
    ]);
    const [m] = await readAll(tar);
    expect(m?.header.name).toBe("a/very/long/name/from/pax");
    expect(m?.header.pax).toMatchObject({ "SCHILY.xattr.user.k": "v" });
  });

  it("refuses a damaged header with TarError at its offset", async () => {
    const tar = await packed([
      { name: "a", data: new Uint8Array(10) },
      { name: "b", data: new Uint8Array(10) },
    ]);
    const bad = Uint8Array.from(tar);
    bad[1024 + 5] = (bad[1024 + 5] as number) ^ 1; // the second header (after a's header and one data block)
    const e = (await failure(bad)) as TarError;
    expect(e).toBeInstanceOf(TarError);
    expect(e.offset).toBe(1024);
    expect(e.message).toMatch(/checksum/);
  });

  it("takes a checksum summed over signed bytes, as some old tars wrote it", async () => {
    const tar = Uint8Array.from(await packed([{ name: "a", data: new Uint8Array(1) }]));
    tar[265] = 0xe9; // a Latin-1 owner name: a byte over 127, so the two sums differ
    let signed = 8 * 0x20;
    for (let i = 0; i < 512; i++) {
      const c = tar[i] as number;
      if (i < 148 || i >= 156) signed += c > 127 ? c - 256 : c;
    }
    tar.set(new TextEncoder().encode(`${signed.toString(8).padStart(6, "0")}\0 `), 148);
    const [m] = await readAll(tar);
    expect(m?.header.name).toBe("a");
  });

  it("refuses a stream cut inside a header or a body", async () => {
    const tar = await packed([{ name: "a", data: new Uint8Array(2000).fill(3) }]);
    for (const cut of [100, 512 + 10, 512 + 1999]) {
      const e = await failure(tar.subarray(0, cut));
      expect(e, `cut at ${cut}`).toBeInstanceOf(TarError);
    }
  });

  it("refuses a pax record or long name too big to be honest, without allocating it", async () => {
    const h = new Uint8Array(512);
    h.set(new TextEncoder().encode("././@LongLink"));
    const octal = (v: number, len: number) => new TextEncoder().encode(`${v.toString(8).padStart(len - 1, "0")}\0`);
    h.set(octal(0o644, 8), 100);
    h.set(octal(2 ** 33 - 1, 12), 124); // 8 GiB of "long name"
    h[156] = "L".charCodeAt(0);
    h.set(new TextEncoder().encode("ustar  \0"), 257);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(octal(sum, 7), 148);
    const e = (await failure(h)) as TarError;
    expect(e).toBeInstanceOf(TarError);
    expect(e.message).toMatch(/at most 1048576 bytes/);
  });

  it("reads base-256 sizes (GNU, for members of 8 GiB and more)", async () => {
    const tar = Uint8Array.from(await packed([{ name: "a", data: new Uint8Array(3).fill(9) }]));
    // Rewrite the size field as base-256 and fix the checksum.
    tar.fill(0, 124, 136);
    tar[124] = 0x80;
    tar[135] = 3;
    tar.fill(0x20, 148, 156);
    const sum = tar.subarray(0, 512).reduce((a, b) => a + b, 0);
    tar.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    const [m] = await readAll(tar);
    expect(m?.header.size).toBe(3);
    expect([...(m?.data ?? [])]).toEqual([9, 9, 9]);
  });
});
