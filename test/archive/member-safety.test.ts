/**
 * The archive layer's pure pieces, each on its own: which members are
 * unsafe and why, member paths, compression sniffing and names, gzip
 * through the web platform's inflater, and the error every layer throws.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  ArchiveError,
  clipName,
  compressionForName,
  compressionOf,
  decompressed,
  isBookkeeping,
  isTarHeader,
  memberPath,
  resolveInArchive,
  TarError,
  type TarHeader,
  unsafeReason,
  webGunzip,
  ZstdError,
} from "../../src/archive/index.js";
import { CriuImageError } from "../../src/index.js";

const header = (name: string, more: Partial<TarHeader> = {}): TarHeader => ({
  name,
  type: "file",
  size: 3,
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: new Date(0),
  linkname: null,
  uname: "",
  gname: "",
  devmajor: 0,
  devminor: 0,
  pax: null,
  ...more,
});

const none = new Map<string, { size: number }>();

describe("unsafeReason", () => {
  it("takes ordinary members, files, folders and links inside the archive", () => {
    for (const h of [
      header("checkpoint/files.img"),
      header("./checkpoint/"),
      header("config.dump"),
      header("checkpoint/", { type: "directory" }),
      header("2/parent", { type: "symlink", linkname: "../1" }),
      header("a/b/c", { type: "symlink", linkname: "../../d" }),
      header("x", { type: "link", linkname: "a/b" }),
      header(`${"n".repeat(4096)}`),
    ])
      expect(unsafeReason(h, none), h.name.slice(0, 40)).toBeUndefined();
  });

  it("names the reason of each unsafe kind", () => {
    const cases: [TarHeader, RegExp][] = [
      [header("/etc/passwd"), /^an absolute path$/],
      [header("a/../../x"), /^a "\.\." component$/],
      [header("..", { type: "directory" }), /^a "\.\." component$/],
      [header("a\u001b[2Jb"), /^control characters in its name$/],
      [header("a\u007fb"), /^control characters in its name$/],
      [header("bad\ufffdname"), /^a name that is not UTF-8$/],
      [
        header("l", { type: "symlink", linkname: "/etc/shadow" }),
        /^a symbolic link to the absolute path \/etc\/shadow$/,
      ],
      [
        header("a/l", { type: "symlink", linkname: "../../x" }),
        /^a symbolic link out of the archive \(to \.\.\/\.\.\/x\)$/,
      ],
      [header("h", { type: "link", linkname: "/etc/shadow" }), /^a hard link to the absolute path/],
      [header("a/h", { type: "link", linkname: "../x" }), /^a hard link out of the archive \(to \.\.\/x\)$/],
      [header("dev", { type: "character-device" }), /^a device node$/],
      [header("blk", { type: "block-device" }), /^a device node$/],
      [header("pipe", { type: "fifo" }), /^a FIFO$/],
      [header("pages-1.img", { type: "gnu-sparse" }), /^a GNU sparse file/],
      [header("pages-1.img", { type: "gnu-multivolume" }), /^a piece of a multi-volume archive/],
      [header("checkpoint/.criu-image-journal"), /bookkeeping files/],
      [header(".criu-image-lock"), /bookkeeping files/],
      [header("checkpoint/.criu-image-tmp-0a1b2c3d4e5f-files.img"), /bookkeeping files/],
      [header("n".repeat(4097)), /^a name of 4097 characters \(at most 4096\)$/],
    ];
    for (const [h, reason] of cases) expect(unsafeReason(h, none), h.name.slice(0, 40)).toMatch(reason);
  });

  it("link targets are judged for links only: a hard link from the top, a symbolic link from its folder", () => {
    expect(unsafeReason(header("f", { linkname: "/etc/shadow" }), none)).toBeUndefined();
    expect(unsafeReason(header("a/h", { type: "link", linkname: "x/../../y" }), none)).toMatch(/hard link out of/);
    expect(unsafeReason(header("a/s", { type: "symlink", linkname: "x/../../y" }), none)).toBeUndefined();
    expect(unsafeReason(header("a/s", { type: "symlink", linkname: "x/../../../y" }), none)).toMatch(
      /symbolic link out/,
    );
    // A symbolic link's base is its whole folder: a/b/s may climb two levels.
    expect(unsafeReason(header("a/b/s", { type: "symlink", linkname: "../../x" }), none)).toBeUndefined();
  });

  it("a second member of a name is unsafe when its size differs from the first's", () => {
    const seen = new Map([["checkpoint/files.img", { size: 3 }]]);
    expect(unsafeReason(header("./checkpoint//files.img", { size: 4 }), seen)).toBe(
      "a second member of this name, with other contents",
    );
    expect(unsafeReason(header("checkpoint/files.img", { size: 3 }), seen)).toBeUndefined();
    expect(unsafeReason(header("checkpoint/files.img", { size: 4, type: "contiguous-file" }), seen)).toMatch(/second/);
    expect(unsafeReason(header("checkpoint/files.img", { size: 4, type: "directory" }), seen)).toBeUndefined();
  });
});

describe("paths, names and compression", () => {
  it("memberPath and resolveInArchive", () => {
    expect(memberPath("./a//b/./c/")).toBe("a/b/c");
    expect(memberPath("")).toBe("");
    expect(resolveInArchive("../1", "chain/2")).toEqual(["chain", "1"]);
    expect(resolveInArchive("x/../y")).toEqual(["y"]);
    expect(resolveInArchive("..", "")).toBeUndefined();
    expect(resolveInArchive("../../x", "a")).toBeUndefined();
    expect(resolveInArchive("./", "a/./b")).toEqual(["a", "b"]);
  });

  it("clipName keeps short names and clips long ones with their length", () => {
    expect(clipName("short")).toBe("short");
    expect(clipName("x".repeat(200))).toBe("x".repeat(200));
    expect(clipName("x".repeat(201))).toBe(`${"x".repeat(200)}… (201 characters)`);
    expect(clipName("abcdef", 3)).toBe("abc… (6 characters)");
  });

  it("isBookkeeping names ours only", () => {
    expect(isBookkeeping(".criu-image-journal")).toBe(true);
    expect(isBookkeeping(".criu-image-lock")).toBe(true);
    expect(isBookkeeping(".criu-image-tmp-x")).toBe(true);
    expect(isBookkeeping("criu-image-journal")).toBe(false);
    expect(isBookkeeping(".criu-image-journal2")).toBe(false);
  });

  it("compression from the first bytes and from an output name", () => {
    expect(compressionOf(Uint8Array.of(0x1f, 0x8b, 8, 0))).toBe("gzip");
    expect(compressionOf(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd))).toBe("zstd");
    expect(compressionOf(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfe))).toBe("none");
    expect(compressionOf(Uint8Array.of(0x1f, 0x8c))).toBe("none");
    expect(compressionOf(Uint8Array.of(0x28, 0xb5, 0x2e, 0xfd))).toBe("none");
    expect(compressionOf(Uint8Array.of(0x29, 0xb5, 0x2f, 0xfd))).toBe("none");
    const names: [string, string | undefined][] = [
      ["x.tar", "none"],
      ["X.TAR.GZ", "gzip"],
      ["x.tgz", "gzip"],
      ["x.tar.zst", "zstd"],
      ["x.tar.zstd", "zstd"],
      ["x.tzst", "zstd"],
      ["x.tar.xz", undefined],
      ["folder", undefined],
      ["x.tar.gz.bak", undefined],
    ];
    for (const [name, want] of names) expect(compressionForName(name), name).toBe(want);
  });

  it("every byte of each magic counts", () => {
    expect(compressionOf(Uint8Array.of(0x1f, 0x00))).toBe("none");
    expect(compressionOf(Uint8Array.of(0x00, 0x8b))).toBe("none");
    const zstd = [0x28, 0xb5, 0x2f, 0xfd];
    for (let i = 0; i < 4; i++) {
      const b = Uint8Array.from(zstd);
      b[i] = 0;
      expect(compressionOf(b), `byte ${i}`).toBe("none");
    }
    for (let i = 0; i < 5; i++) {
      const b = new Uint8Array(512);
      b.set(new TextEncoder().encode("ustar"), 257);
      b[257 + i] = 0x21;
      expect(isTarHeader(b), `byte ${i}`).toBe(false);
    }
  });

  it("isTarHeader sees the ustar magic at 257", () => {
    const b = new Uint8Array(512);
    b.set(new TextEncoder().encode("ustar"), 257);
    expect(isTarHeader(b)).toBe(true);
    b[261] = 0x73;
    expect(isTarHeader(b)).toBe(false);
  });
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c.slice());
  return new Uint8Array(Buffer.concat(parts));
}

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

describe("decompressed", () => {
  const text = new TextEncoder().encode("criu ".repeat(5000));

  it("passes plain data through, inflates gzip with the web inflater, and says what it saw", async () => {
    let seen = "";
    expect(
      await collect(
        decompressed(chunks(text), {
          onCompression: (c) => {
            seen = c;
          },
        }),
      ),
    ).toEqual(text);
    expect(seen).toBe("none");
    const gz = new Uint8Array(gzipSync(text));
    expect(
      await collect(
        decompressed(chunks(gz.subarray(0, 10), gz.subarray(10)), {
          onCompression: (c) => {
            seen = c;
          },
        }),
      ),
    ).toEqual(text);
    expect(seen).toBe("gzip");
    expect(await collect(webGunzip(chunks(gz)))).toEqual(text);
    expect(await collect(decompressed(chunks()))).toEqual(new Uint8Array(0));
  });

  it("damaged gzip is an ArchiveError with the compressed bytes read; the source's own failure passes as it is", async () => {
    const gz = new Uint8Array(gzipSync(text));
    gz[gz.length - 6] = (gz[gz.length - 6] as number) ^ 0xff; // the CRC
    const e = await collect(decompressed(chunks(gz))).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ArchiveError);
    expect(e).toBeInstanceOf(CriuImageError);
    expect((e as ArchiveError).code).toBe("BAD_ARCHIVE");
    expect((e as ArchiveError).layer).toBe("gzip");
    expect((e as ArchiveError).offset).toBe(gz.length);
    expect((e as Error).message).toMatch(/^gzip: at byte \d+: expected valid gzip data \(the inflater said: /);
    const mine = new Error("disk gone");
    const failing = (async function* () {
      yield new Uint8Array(gzipSync(text)).subarray(0, 20);
      throw mine;
    })();
    await expect(collect(decompressed(failing))).rejects.toBe(mine);
  });

  it("decompresses zstd too, and gzip from a source that reuses its buffer", async () => {
    const { execFileSync } = await import("node:child_process");
    const z = new Uint8Array(execFileSync("zstd", ["-q", "-c"], { input: text }));
    expect(await collect(decompressed(chunks(z)))).toEqual(text);
    const gz = new Uint8Array(gzipSync(text));
    // One buffer, overwritten before each next chunk: the inflater must have copied what it was given.
    async function* reused(): AsyncGenerator<Uint8Array> {
      const buf = new Uint8Array(100);
      for (let at = 0; at < gz.length; at += 100) {
        const n = Math.min(100, gz.length - at);
        buf.set(gz.subarray(at, at + n));
        yield buf.subarray(0, n);
        buf.fill(0xee);
      }
    }
    expect(await collect(webGunzip(reused()))).toEqual(text);
  });

  it("ArchiveError names the archive it was found in", () => {
    expect(new ZstdError(3, "x")).toMatchObject({
      layer: "zstd",
      offset: 3,
      name: "ArchiveError",
      code: "BAD_ARCHIVE",
    });
    expect(new TarError(4, "y")).toMatchObject({ layer: "tar", offset: 4, name: "ArchiveError" });
    const e = new ArchiveError("tar", 512, "a 512-byte header").in("web.tar");
    expect(e.message).toBe("web.tar: tar: at byte 512: expected a 512-byte header");
    expect(e.image).toBe("web.tar");
    expect(e.archive).toBe("web.tar");
    expect(new ArchiveError("zstd", 0, "x").image).toBe("<zstd>");
  });
});
