/**
 * A big, realistic checkpoint directory for the benchmarks: the bundled
 * tcp4 checkpoint grown to `connections` established TCP connections (each
 * with its tcp-stream image and an fd in the server's table) and a pages
 * image of `pagesMiB` MiB with the pagemap that describes it.
 */

import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { clone } from "@bufbuild/protobuf";
import { fdinfo_entrySchema, file_entrySchema, pagemap_entrySchema, tcp_stream_entrySchema } from "../src/gen/index.js";
import { type CriuImage, readImage, writeImage } from "../src/index.js";
import { le, sample } from "./generate.js";

const read = (name: string) => readImage(new Uint8Array(readFileSync(join(sample, name))), { name });

export function bigCheckpoint(dir: string, connections: number, pagesMiB: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(sample)) {
    if (!/^(files|fdinfo-2|tcp-stream-.*|pages-.*|pagemap-11202)\.img$/.test(name))
      writeFileSync(join(dir, name), readFileSync(join(sample, name)));
  }
  const files = read("files.img");
  const fdinfo = read("fdinfo-2.img");
  const stream = read("tcp-stream-50ba6.img");
  if (files.kind !== "FILES" || fdinfo.kind !== "FDINFO" || stream.kind !== "TCP_STREAM") throw new Error("sample");
  const accepted = files.entries.find((f) => f.isk?.state === 1 && f.isk.srcPort === 45001);
  const fdTpl = fdinfo.entries.find((e) => e.type === 4 && e.id === accepted?.id);
  if (!accepted || !fdTpl) throw new Error("sample socket");
  const entries = [...files.entries];
  const fds = [...fdinfo.entries];
  const queue = new Uint8Array(100).fill(0x61);
  let nextId = Math.max(...entries.map((e) => e.id)) + 1;
  for (let i = 0; i < connections; i++) {
    const e = clone(file_entrySchema, accepted);
    const sk = e.isk!;
    e.id = nextId;
    sk.id = nextId;
    sk.ino = 0x200000 + i;
    sk.dstAddr = [le(10, 1 + ((i >> 16) & 255), (i >> 8) & 255, i & 255)];
    sk.dstPort = 20000 + (i % 40000);
    entries.push(e);
    const fd = clone(fdinfo_entrySchema, fdTpl);
    fd.id = nextId;
    fd.fd = 100 + i;
    fds.push(fd);
    const s = clone(tcp_stream_entrySchema, stream.entries[0]!);
    s.inqLen = 100;
    s.outqLen = 100;
    s.inqSeq = 1000 + i;
    const img = { ...stream, entries: [s], extras: [{ inq: queue, outq: queue }] } as CriuImage;
    writeFileSync(join(dir, `tcp-stream-${sk.ino.toString(16)}.img`), writeImage(img));
    nextId++;
  }
  writeFileSync(join(dir, "files.img"), writeImage({ ...files, entries }));
  writeFileSync(join(dir, "fdinfo-2.img"), writeImage({ ...fdinfo, entries: fds }));

  // Memory: pagesMiB MiB of pages in runs of 256 pages, described by pagemap-11202.img.
  const pagemap = read("pagemap-11202.img");
  if (pagemap.kind !== "PAGEMAP") throw new Error("pagemap");
  const tpl = pagemap.entries[1]!;
  const runs = (pagesMiB * 256) / 256;
  const pm = [pagemap.entries[0]!];
  for (let i = 0; i < runs; i++) {
    const e = clone(pagemap_entrySchema, tpl as never);
    e.vaddr = 0x7f0000000000n + BigInt(i) * 0x200000n;
    e.nrPages = 256n;
    e.flags = 4; // PE_PRESENT
    pm.push(e);
  }
  writeFileSync(join(dir, "pagemap-11202.img"), writeImage({ ...pagemap, entries: pm }));
  const pagesId = (pagemap.entries[0] as { pagesId: number }).pagesId;
  const fd = openSync(join(dir, `pages-${pagesId}.img`), "w");
  const chunk = new Uint8Array(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  for (let i = 0; i < pagesMiB; i++) writeSync(fd, chunk);
  closeSync(fd);
  // The child's pages stay as they were.
  writeFileSync(join(dir, "pagemap-11205.img"), readFileSync(join(sample, "pagemap-11205.img")));
  writeFileSync(join(dir, "pages-2.img"), readFileSync(join(sample, "pages-2.img")));
}
