/**
 * Generators of big, realistic checkpoint images for the benchmarks. Entries
 * are cloned from a real socket of the bundled checkpoint and varied, so they
 * carry every field CRIU 4.2 writes.
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { clone, create } from "@bufbuild/protobuf";
import { file_entrySchema } from "../src/gen/index.js";
import { type CriuImage, type file_entry, IMG_COMMON_MAGIC, kindByName, readImage, writeImage } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The bundled checkpoint the generators grow from. */
export const sample = join(here, "..", "examples", "checkpoint-tcp4");

/** The established client socket of the bundled checkpoint, as a template. */
export function templateSocket(): file_entry {
  const files = readImage(new Uint8Array(readFileSync(join(sample, "files.img"))), { name: "files.img" });
  if (files.kind !== "FILES") throw new Error("files.img");
  const sk = files.entries.find((f) => f.isk && f.isk.state === 1 && f.isk.srcPort === 45002);
  if (!sk) throw new Error("no established socket in the sample");
  return sk;
}

/** A u32 address word from its four bytes, as CRIU stores them. */
export const le = (a: number, b: number, c: number, d: number) => (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;

/** A files.img holding `n` INETSK entries (IPv4 and IPv6, several states). */
export function inetskFilesImage(n: number): Uint8Array {
  const tpl = templateSocket();
  const entries: file_entry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = clone(file_entrySchema, tpl);
    const isk = e.isk!;
    e.id = i + 1;
    isk.id = i + 1;
    isk.ino = 0x100000 + i;
    isk.srcPort = 1024 + (i % 60000);
    isk.dstPort = 443;
    if (i % 4 === 3) {
      isk.family = 10;
      isk.srcAddr = [le(0x20, 0x01, 0x0d, 0xb8), 0, le(0, 0, i >> 8, i & 255), le(0, 0, 0, 1)];
      isk.dstAddr = [le(0x20, 0x01, 0x0d, 0xb8), 0, 0, le(0, 0, 0, 2)];
    } else {
      isk.srcAddr = [le(10, (i >> 16) & 255, (i >> 8) & 255, i & 255)];
      isk.dstAddr = [le(192, 0, 2, 1)];
    }
    if (i % 10 === 0) isk.state = 10; // a listener now and then
    entries[i] = e;
  }
  const image = {
    kind: "FILES",
    format: "v1.1",
    magic: kindByName("FILES")!.magic,
    leadMagic: IMG_COMMON_MAGIC,
    entries,
  } as unknown as CriuImage;
  return writeImage(image);
}

export { create };
