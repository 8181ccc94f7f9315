/**
 * How a stream is read, beyond what it yields: entries come in batches of
 * what is buffered (one batch for an image given whole, the ready entries
 * before any wait for more input), no batch and no raw chunk is empty, and
 * a ReadableStream is read through its reader even where it is not async
 * iterable (Safari).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  type FramedEntry,
  IMG_COMMON_MAGIC,
  kindByName,
  openFramedStream,
  readFramed,
  readFramedStream,
  WireCursor,
  writeFramed,
  writeFramedStream,
} from "../../src/framing/index.js";
import { pipe_data_entrySchema } from "../../src/gen/index.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";

requireCorpus();
const files = new Uint8Array(readFileSync(join(corpusRoot, "images", "tcp4", "files.img")));
const whole = readFramed(files, { name: "files.img" });

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("batches", () => {
  it("an image given whole comes as one batch", async () => {
    expect(whole.entries.length).toBeGreaterThan(5);
    const s = await openFramedStream(chunks(files));
    const batches = await all(s.batches);
    expect(batches.map((b) => b.length)).toEqual([whole.entries.length]);
  });

  it("the entries that are ready come out before the stream waits for more", async () => {
    // The first chunk ends inside the fourth entry; the source then waits until the first batch is out.
    const cut = (whole.entries[3]?.offset ?? 0) + 2;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* gated(): AsyncGenerator<Uint8Array> {
      yield files.subarray(0, cut);
      await gate;
      yield files.subarray(cut);
    }
    const s = await openFramedStream(gated());
    const it = s.batches[Symbol.asyncIterator]();
    const first = await it.next();
    expect((first.value as FramedEntry[]).length).toBe(3);
    release();
    const rest: FramedEntry[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) {
      expect(r.value.length).toBeGreaterThan(0);
      rest.push(...r.value);
    }
    expect(rest.length).toBe(whole.entries.length - 3);
  });

  it("never an empty batch, however the input is chunked", async () => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < files.length; i += 7) parts.push(files.subarray(i, i + 7));
    const batches = await all((await openFramedStream(chunks(...parts))).batches);
    for (const b of batches) expect(b.length).toBeGreaterThan(0);
    expect(batches.flat().length).toBe(whole.entries.length);
  });
});

describe("raw images", () => {
  it("give their bytes as chunks, none empty", async () => {
    const pages = new Uint8Array(10_000).fill(7);
    const s = await openFramedStream(chunks(pages.subarray(0, 8), new Uint8Array(0), pages.subarray(8)), {
      name: "pages-1.img",
    });
    const got = await all(s.raw);
    for (const c of got) expect(c.length).toBeGreaterThan(0);
    expect(Buffer.concat(got)).toEqual(Buffer.from(pages));
  });
});

describe("sources", () => {
  it("a ReadableStream that is not async-iterable is read through its reader", async () => {
    let i = 0;
    const parts = [files.subarray(0, 100), files.subarray(100)];
    let released = false;
    const stream = {
      getReader: () => ({
        read: async () => (i < parts.length ? { done: false, value: parts[i++] } : { done: true, value: undefined }),
        releaseLock: () => {
          released = true;
        },
      }),
    } as unknown as ReadableStream<Uint8Array>;
    const img = await readFramedStream(stream, { name: "files.img" });
    expect(img.entries.map((e) => e.payload)).toEqual(whole.entries.map((e) => e.payload));
    expect(released).toBe(true);
  });
});

describe("the same errors as readFramed", () => {
  it("a stream cut inside an entry's size word", async () => {
    const cut = (whole.entries[2]?.offset ?? 0) + 2;
    const bytes = files.subarray(0, cut);
    let want: unknown;
    try {
      readFramed(bytes, { name: "files.img" });
    } catch (e) {
      want = e;
    }
    expect(want).toBeInstanceOf(Error);
    const got = await readFramedStream(chunks(bytes.subarray(0, 50), bytes.subarray(50)), { name: "files.img" }).catch(
      (e: unknown) => e,
    );
    expect((got as Error).message).toBe((want as Error).message);
    expect((got as Error).message).toMatch(/expected a 4-byte entry size/);
  });
});

describe("writing", () => {
  it("a v1 image (one magic, no lead) is written back as it was read", () => {
    // files.img without its IMG_COMMON lead magic: CRIU's images before v1.1.
    const v1 = files.subarray(4);
    const img = readFramed(v1, { name: "files.img" });
    expect(img.format).toBe("v1");
    expect(Buffer.from(writeFramed(img))).toEqual(Buffer.from(v1));
  });

  it("a stream of an image has no empty chunk, extras of length 0 included", async () => {
    const stream = new Uint8Array(readFileSync(join(corpusRoot, "images", "tcp4", "tcp-stream-50ba6.img")));
    const img = readFramed(stream, { name: "tcp-stream-50ba6.img" });
    // A pipe with no data queued: its entry says 0 bytes, so its extra is empty.
    const payload = toBinary(pipe_data_entrySchema, create(pipe_data_entrySchema, { pipeId: 7, bytes: 0 }));
    const pipes = readFramed(
      writeFramed({
        kind: "PIPES_DATA",
        format: "v1.1",
        magic: kindByName("PIPES_DATA")?.magic ?? 0,
        leadMagic: IMG_COMMON_MAGIC,
        entries: [{ schema: "pipe_data_entry", payload, extra: new Uint8Array(0) }],
      }),
      { name: "pipes-data.img" },
    );
    expect(pipes.entries[0]?.extra?.length).toBe(0);
    for (const { entries, ...header } of [img, pipes]) {
      const out = await all(writeFramedStream(header, entries));
      for (const c of out) expect(c.length).toBeGreaterThan(0);
      expect(Buffer.concat(out)).toEqual(Buffer.from(writeFramed({ ...header, entries })));
    }
  });
});

describe("varints", () => {
  it("one that runs to the end of its bytes is truncated, not ended by what lies past them", () => {
    const c = new WireCursor(Uint8Array.of(0x80, 0x01), 0, 1);
    expect(c.varint()).toBe(false);
    expect(new WireCursor(Uint8Array.of(0x80, 0x01), 0, 2).varint()).toBe(true);
  });
});
