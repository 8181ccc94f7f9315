/**
 * A dry-run rewrite of n sockets that all share one 4-tuple (a port reused
 * across network namespaces, or a synthetic worst case): the peer search
 * must stay linear. Before the fix, 40k took 20 s and 1M never finished.
 *
 *   npx tsx bench/shared-tuple.ts [N...]
 */
import { clone } from "@bufbuild/protobuf";
import { file_entrySchema } from "../src/gen/index.js";
import { type CriuImage, IMG_COMMON_MAGIC, kindByName, writeImage } from "../src/index.js";
import { rewriteConnections } from "../src/tcp/index.js";
import { le, templateSocket } from "./generate.js";

export function sharedTupleFiles(n: number): Uint8Array {
  const tpl = templateSocket();
  const entries = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = clone(file_entrySchema, tpl);
    e.id = i + 1;
    e.isk!.id = i + 1;
    e.isk!.ino = 0x100000 + i;
    e.isk!.srcAddr = [le(127, 0, 0, 2)];
    e.isk!.dstAddr = [le(127, 0, 0, 1)];
    entries[i] = e;
  }
  const img = {
    kind: "FILES",
    format: "v1.1",
    magic: kindByName("FILES")!.magic,
    leadMagic: IMG_COMMON_MAGIC,
    entries,
  };
  return writeImage(img as unknown as CriuImage);
}

/** Milliseconds for a dry-run rewrite (plan and warnings, the images re-encoded in memory). */
export function sharedTupleMs(n: number): number {
  const cp = new Map([["files.img", sharedTupleFiles(n)]]);
  const t = performance.now();
  rewriteConnections(cp, [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }]);
  return performance.now() - t;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  for (const n of sizes.length ? sizes : [10_000, 40_000, 1_000_000]) {
    console.log(`${n} sockets sharing one tuple: ${sharedTupleMs(n).toFixed(0)} ms`);
  }
}
