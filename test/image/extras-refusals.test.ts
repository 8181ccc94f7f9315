/**
 * Writing an extra payload that disagrees with the lengths its entry
 * announces is refused (CRIU trusts those lengths on restore), each time
 * with what was expected and what was given; padding survives exactly.
 * Images come from the property-test generators, then one thing is broken.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CriuImage, kindByName, readImage, writeImage } from "../../src/index.js";
import { caught } from "../helpers/errors.js";
import { imageArb } from "../helpers/images.js";

type Img = { entries: Record<string, unknown>[]; extras: unknown[] };
const write = (img: Img) => writeImage(img as unknown as CriuImage);

/** The first generated image of `kind` whose entry 0 passes `want`. */
function sample(kind: string, want: (e: Record<string, unknown>, x: unknown) => boolean): Img {
  const info = kindByName(kind);
  if (!info) throw new Error(kind);
  for (const img of fc.sample(imageArb(info), { numRuns: 400, seed: 3 }) as unknown as Img[]) {
    if (img.entries.length > 0 && want(img.entries[0] as Record<string, unknown>, img.extras[0])) return img;
  }
  throw new Error(`no ${kind} sample`);
}

function refused(img: Img, expected: string | RegExp, got: string | RegExp) {
  const e = caught(() => write(img));
  expect(e.code).toBe("INVALID");
  expect(e.offset).toBe(0);
  if (typeof expected === "string") expect(e.expected).toBe(expected);
  else expect(e.expected).toMatch(expected);
  expect(e.message).toMatch(got);
}

const bytes = (n: number) => new Uint8Array(n).fill(7);

describe("extras that disagree with their entry", () => {
  it("tcp-stream: either queue of another length than inq_len / outq_len", () => {
    const img = sample("TCP_STREAM", () => true);
    const e = img.entries[0] as { inqLen: number; outqLen: number };
    img.extras[0] = { inq: bytes(e.inqLen + 1), outq: bytes(e.outqLen) };
    refused(img, /inq_len/, new RegExp(`got ${e.inqLen + 1} and ${e.outqLen}`));
    img.extras[0] = { inq: bytes(e.inqLen), outq: bytes(e.outqLen + 2) };
    refused(img, /outq_len/, new RegExp(`got ${e.inqLen} and ${e.outqLen + 2}`));
  });

  it("ipc sem: a number of values other than nsems, or none", () => {
    const img = sample("IPCNS_SEM", (e) => (e.nsems as number) > 0);
    const n = img.entries[0]?.nsems as number;
    img.extras[0] = { values: Array(n + 1).fill(1) };
    refused(img, `${n} semaphore values (nsems)`, new RegExp(`got ${n + 1}`));
    img.extras[0] = undefined;
    refused(img, `${n} semaphore values (nsems)`, /got 0/);
  });

  it("ipc shm: contents for a segment kept in pagemaps; contents of the wrong size, or none", () => {
    const inPm = sample("IPCNS_SHM", (e) => e.inPagemaps === true);
    inPm.extras[0] = { data: bytes(4) };
    refused(inPm, "no contents for a segment kept in pagemaps (in_pagemaps)", /got contents/);
    const own = sample("IPCNS_SHM", (e) => e.inPagemaps !== true && Number(e.size) > 0);
    const size = Number(own.entries[0]?.size);
    own.extras[0] = { data: bytes(size - 1) };
    refused(own, `${size} bytes of segment contents (size)`, new RegExp(`got ${size - 1}`));
    own.extras[0] = undefined;
    refused(own, `${size} bytes of segment contents (size)`, /got 0/);
  });

  it("ipc msg: a number of messages other than qnum, a text other than msize", () => {
    const img = sample("IPCNS_MSG", (e) => (e.qnum as number) > 0);
    const qnum = img.entries[0]?.qnum as number;
    const msgs = img.extras[0] as { msg: { msize: number }; data: Uint8Array }[];
    img.extras[0] = msgs.slice(1);
    refused(img, `${qnum} messages (qnum)`, new RegExp(`got ${qnum - 1}`));
    const first = msgs[0] as { msg: { msize: number }; data: Uint8Array };
    img.extras[0] = [{ ...first, data: bytes(first.msg.msize + 1) }, ...msgs.slice(1)];
    refused(img, `message text of msize ${first.msg.msize} bytes`, new RegExp(`got ${first.msg.msize + 1}`));
  });

  it("padding of the wrong length is refused; padding that is not zero is written back", () => {
    const img = sample("IPCNS_SEM", (e) => (e.nsems as number) % 4 !== 0);
    const n = img.entries[0]?.nsems as number;
    const pad = (8 - ((2 * n) % 8)) % 8;
    const values = (img.extras[0] as { values: number[] }).values;
    img.extras[0] = { values, padding: new Uint8Array(pad + 1) };
    refused(img, `${pad} padding bytes after semaphore values`, new RegExp(`got ${pad + 1}`));
    img.extras[0] = { values, padding: new Uint8Array(pad).fill(0xaa) };
    const back = readImage(write(img), { name: "ipcns-sem-1.img" }) as unknown as Img;
    expect(back.extras[0]).toEqual({ values, padding: new Uint8Array(pad).fill(0xaa) });
  });

  it("shm contents and message texts: padding of the wrong length refused, non-zero padding read and written back", () => {
    const shm = sample("IPCNS_SHM", (e) => e.inPagemaps !== true && Number(e.size) % 4 !== 0);
    const size = Number(shm.entries[0]?.size);
    const shmPad = (4 - (size % 4)) % 4;
    const data = (shm.extras[0] as { data: Uint8Array }).data;
    shm.extras[0] = { data, padding: new Uint8Array(shmPad + 1) };
    refused(shm, `${shmPad} padding bytes after segment contents`, new RegExp(`got ${shmPad + 1}`));
    shm.extras[0] = { data, padding: new Uint8Array(shmPad).fill(0x5a) };
    const shmBack = readImage(write(shm), { name: "ipcns-shm-1.img" }) as unknown as Img;
    expect(shmBack.extras[0]).toEqual({ data, padding: new Uint8Array(shmPad).fill(0x5a) });

    const msg = sample(
      "IPCNS_MSG",
      (e, x) => (e.qnum as number) > 0 && (x as { data: Uint8Array }[])[0]!.data.length % 8 !== 0,
    );
    const msgs = msg.extras[0] as { msg: unknown; data: Uint8Array }[];
    const first = msgs[0] as { msg: unknown; data: Uint8Array };
    const pad = (8 - (first.data.length % 8)) % 8;
    msg.extras[0] = [{ ...first, padding: new Uint8Array(pad + 1) }, ...msgs.slice(1)];
    refused(msg, `${pad} padding bytes after message text`, new RegExp(`got ${pad + 1}`));
    msg.extras[0] = [{ ...first, padding: new Uint8Array(pad).fill(0x77) }, ...msgs.slice(1)];
    const back = readImage(write(msg), { name: "ipcns-msg-1.img" }) as unknown as Img;
    expect((back.extras[0] as { padding?: Uint8Array }[])[0]?.padding).toEqual(new Uint8Array(pad).fill(0x77));
    expect((back.extras[0] as { padding?: Uint8Array }[])[1]?.padding).toBeUndefined();
  });

  it("byte extras must be bytes; none at all writes nothing", () => {
    const img = sample("PIPES_DATA", (e) => (e.bytes as number) === 0);
    img.extras[0] = "not bytes";
    refused(img, "a Uint8Array of pipe data", /Uint8Array of pipe data/);
    img.extras[0] = undefined;
    const back = readImage(write(img), { name: "pipes-data.img" }) as unknown as Img;
    expect(back.extras[0]).toEqual(new Uint8Array(0));
  });
});
