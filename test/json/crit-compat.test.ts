/** Each documented divergence from crit (docs/crit-compat.md), shown to hold. */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { memorySource } from "../../src/checkpoint/index.js";
import {
  bpfmap_data_entrySchema,
  inet_sk_entrySchema,
  pagemap_entrySchema,
  pagemap_headSchema,
} from "../../src/gen/index.js";
import { IMG_COMMON_MAGIC, kindByName, pagemapPages, readImage, writeImage } from "../../src/index.js";
import { CritJsonError, critInfo, fromCritJson, toCritJson } from "../../src/json/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { bytes, cat, u32 } from "../helpers/bytes.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";
import { inetSocket } from "../helpers/messages.js";

const entry = (b: Uint8Array) => cat(u32(b.length), b);
const corpus = (scenario: string, name: string) => {
  requireCorpus();
  return readImage(new Uint8Array(readFileSync(join(corpusRoot, "images", scenario, name))), { name });
};

describe("where crit is wrong, criu-image does what CRIU does", () => {
  it("ipc shm: honours in_pagemaps (crit reads the next entry as data)", () => {
    const img = corpus("many-fds", "ipcns-shm-9.img");
    expect(img.entries).toHaveLength(2);
    const json = JSON.parse(toCritJson(img));
    expect(
      json.entries.every((e: { in_pagemaps: boolean; extra?: unknown }) => e.in_pagemaps && e.extra === undefined),
    ).toBe(true);
  });

  it("info counts entries, not extra payloads", () => {
    expect(critInfo(corpus("tcp4", "tcp-stream-50ba6.img"))).toContain('"count": 1');
    expect(critInfo(corpus("mixed-sockets", "sk-queues.img"))).toContain('"count": 8');
    expect(critInfo(corpus("many-fds", "ghost-file-1.img"))).toContain('"count": 3');
  });

  it("unknown enum values stay visible as numbers and come back", () => {
    const sk = inetSocket();
    // shutdown (19) = 9, which sk_shutdown does not define.
    const b = cat(
      u32(IMG_COMMON_MAGIC, kindByName("INETSK")!.magic),
      entry(cat(toBinary(inet_sk_entrySchema, sk), bytes(0x98, 0x01, 9))),
    );
    const img = readImage(b, { name: "inetsk.img" });
    const json = toCritJson(img);
    expect(json).toContain('"shutdown": 9');
    expect(Buffer.compare(writeImage(fromCritJson(json)), b)).toBe(0);
  });

  it("an empty address list encodes (crit crashes on value[0])", () => {
    const text = toCritJson(corpus("tcp4", "files.img"), { pretty: true }).replace(
      /"dst_addr": \[\s*"127\.0\.0\.1"\s*\]/,
      '"dst_addr": []',
    );
    const img = fromCritJson(text);
    if (img.kind !== "FILES") throw new Error("kind");
    expect(img.entries.some((e) => e.isk && e.isk.dstAddr.length === 0)).toBe(true);
    expect(() => writeImage(img)).not.toThrow();
  });

  it("bpfmap --nopl shows the payload size (crit crashes on pload.bytes)", () => {
    const img = corpus("bpfmap", "bpfmap-data.img");
    const json = JSON.parse(toCritJson(img, { pretty: true, noPayload: true }));
    const sizes = json.entries.map((e: { extra: string }) => e.extra);
    expect(sizes[0]).toMatch(/^\.\.\. <\d+B>$/);
    const b = cat(
      u32(IMG_COMMON_MAGIC, kindByName("BPFMAP_DATA")!.magic),
      entry(
        toBinary(
          bpfmap_data_entrySchema,
          create(bpfmap_data_entrySchema, { mapId: 1, keysBytes: 4, valuesBytes: 8, count: 1 }),
        ),
      ),
      new Uint8Array(12),
    );
    expect(JSON.parse(toCritJson(readImage(b), { noPayload: true })).entries[0].extra).toBe("... <12B>");
  });

  it("pre-4.2 pagemaps: the page count is compat_nr_pages when nr_pages is absent", () => {
    const old = create(pagemap_entrySchema, { vaddr: 0x1000n, compatNrPages: 7 });
    const b = cat(
      u32(IMG_COMMON_MAGIC, kindByName("PAGEMAP")!.magic),
      entry(toBinary(pagemap_headSchema, create(pagemap_headSchema, { pagesId: 1 }))),
      entry(toBinary(pagemap_entrySchema, old)),
    );
    const img = readImage(b, { name: "pagemap-1.img" });
    expect(pagemapPages(img.entries[1] as never)).toBe(7n);
    // Without a flags field the pages are present (CRIU's pagemap.c), so verify counts them.
    const cp = memorySource(new Map([["pagemap-1.img", b]]), { sizes: new Map([["pages-1.img", 7 * 4096]]) });
    expect(verifyCheckpoint(cp).problems.filter((p) => p.check === "pages")).toEqual([]);
    const current = corpus("simple", "pagemap-11146.img");
    expect(pagemapPages(current.entries[1] as never)).toBeGreaterThan(0n);
  });

  it("bad JSON is a CritJsonError naming the path, not a crash", () => {
    const good = toCritJson(corpus("tcp4", "files.img"));
    expect(() => fromCritJson(good.replace('"src_port": 45002', '"src_port": "x"'))).toThrow(CritJsonError);
    expect(() => fromCritJson(good.replace('"src_port": 45002', '"src_port": 45002, "no_such": 1'))).toThrow(
      /no field "no_such"/,
    );
    expect(() => fromCritJson(good.slice(0, 50))).toThrow(CritJsonError);
    expect(() => fromCritJson('{"magic": "NOPE", "entries": []}')).toThrow(/magic/);
    let caught: unknown;
    try {
      fromCritJson(good.replace('"src_port": 45002', '"src_port": 99999999999'));
    } catch (e) {
      caught = e;
    }
    // Asserted outside the catch, so a call that does not throw fails the test.
    expect(caught).toBeInstanceOf(CritJsonError);
    expect((caught as CritJsonError).path).toMatch(/^entries\[\d+\]\.isk\.src_port$/);
  });

  it("64-bit integers stay exact both ways", () => {
    // rlimits of RLIM_INFINITY are 2^64 - 1, far past what a double holds.
    const img = corpus("bpfmap", "core-12454.img");
    const text = toCritJson(img);
    expect(text).toContain('"cur": 18446744073709551615');
    expect(Buffer.compare(writeImage(fromCritJson(text)), writeImage(img))).toBe(0);
  });
});
