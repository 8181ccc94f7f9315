/**
 * A checkpoint folder whose files.img holds `n` inet sockets, every one
 * held by an fd of the bundled checkpoint's server (fdinfo-2.img grows to
 * match), for the scale rows of `npm run bench`: verify and tcp list must
 * stay under 8 s and 256 MiB at a million.
 *
 * The sockets listen or are unconnected UDP, so a correct checkpoint needs
 * no tcp-stream image per socket and verify finds nothing wrong: the run
 * measures the scan, not a million-line report.
 *
 * Entries are encoded once from a real socket and patched per socket with
 * the library's own writer, a batch at a time, so building 1M takes seconds.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { clone } from "@bufbuild/protobuf";
import { fdinfo_entrySchema, file_entrySchema } from "../src/gen/index.js";
import { type CriuImage, readImage, writeImage } from "../src/index.js";
import { le, sample } from "./generate.js";

const read = (name: string) => readImage(new Uint8Array(readFileSync(join(sample, name))), { name });

/** Writes an image of many entries a batch at a time (only its header once). */
function writeMany<T>(path: string, image: CriuImage, n: number, make: (i: number) => T, keep: readonly T[]): void {
  const fd = openSync(path, "w");
  try {
    const all = writeImage({ ...image, entries: [...keep] } as CriuImage);
    writeSync(fd, all);
    const header = writeImage({ ...image, entries: [] } as CriuImage).length;
    for (let start = 0; start < n; start += 50_000) {
      const batch: T[] = [];
      for (let i = start; i < Math.min(n, start + 50_000); i++) batch.push(make(i));
      writeSync(fd, writeImage({ ...image, entries: batch } as CriuImage).subarray(header));
    }
  } finally {
    closeSync(fd);
  }
}

export function millionCheckpoint(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(sample)) {
    if (!/^(files|fdinfo-2)\.img$/.test(name)) writeFileSync(join(dir, name), readFileSync(join(sample, name)));
  }
  const files = read("files.img");
  const fdinfo = read("fdinfo-2.img");
  if (files.kind !== "FILES" || fdinfo.kind !== "FDINFO") throw new Error("sample");
  const listener = files.entries.find((f) => f.isk?.state === 10);
  const fdTpl = fdinfo.entries.find((e) => e.type === 4 && e.id === listener?.id);
  if (!listener || !fdTpl) throw new Error("sample socket");
  const first = Math.max(...files.entries.map((e) => e.id)) + 1;
  writeMany(
    join(dir, "files.img"),
    files,
    n,
    (i) => {
      const e = clone(file_entrySchema, listener);
      const sk = e.isk!;
      e.id = first + i;
      sk.id = first + i;
      sk.ino = 0x300000 + i;
      sk.srcPort = 1024 + (i % 60000);
      if (i % 4 === 3) {
        sk.family = 10;
        sk.srcAddr = [le(0x20, 0x01, 0x0d, 0xb8), 0, le(0, 0, (i >> 16) & 255, (i >> 8) & 255), le(0, 0, 0, i & 255)];
        sk.dstAddr = [0, 0, 0, 0];
      } else {
        sk.srcAddr = [le(10, (i >> 16) & 255, (i >> 8) & 255, i & 255)];
      }
      if (i % 3 === 1) {
        // Unconnected UDP.
        sk.type = 2;
        sk.proto = 17;
        sk.state = 7;
      }
      return e;
    },
    files.entries,
  );
  writeMany(
    join(dir, "fdinfo-2.img"),
    fdinfo,
    n,
    (i) => {
      const fd = clone(fdinfo_entrySchema, fdTpl);
      fd.id = first + i;
      fd.fd = 1000 + i;
      return fd;
    },
    fdinfo.entries,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  millionCheckpoint(process.argv[2] ?? "bench/out/million", Number(process.argv[3] ?? 1_000_000));
}
