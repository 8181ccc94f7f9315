/**
 * Extra payloads in crit JSON: `--nopl` sizes against crit 4.2's own `crit
 * show --nopl` of the corpus images (stored in test/fixtures/crit-nopl), and
 * every refusal of a payload crit could not have written, each by its path.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readImage } from "../../src/index.js";
import { fromCritJson, toCritJson } from "../../src/json/index.js";
import { corpusRoot } from "../helpers/corpus.js";
import { critJsonError as error, golden } from "../helpers/crit-json.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/crit-nopl");
const SCENARIOS = readdirSync(join(corpusRoot, "images"));

/** The corpus image a fixture was made from: "<scenario>-<image>.json". */
function imageOf(fixture: string): [scenario: string, name: string] {
  const base = fixture.replace(/\.json$/, "");
  const scenario = SCENARIOS.filter((s) => base.startsWith(`${s}-`)).sort((a, b) => b.length - a.length)[0];
  if (!scenario) throw new Error(`no scenario for ${fixture}`);
  return [scenario, base.slice(scenario.length + 1)];
}

describe("--nopl", () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));

  it("gives crit show --nopl's text for every payload kind crit sizes right", () => {
    // ipcns-shm is not among them: crit skips a segment's bytes even when they are in the pagemaps
    // (in_pagemaps), which CRIU does not write, and so loses the entries after it.
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
    for (const f of fixtures) {
      const [scenario, name] = imageOf(f);
      const bytes = new Uint8Array(readFileSync(join(corpusRoot, "images", scenario, name)));
      const crit = readFileSync(join(FIXTURES, f), "utf8");
      expect(`${toCritJson(readImage(bytes, { name }), { pretty: true, noPayload: true })}\n`, f).toBe(crit);
    }
  });

  it("sizes TCP queues as inq_len + outq_len, as crit does", () => {
    const doc = golden("mixed-sockets", "tcp-stream-5131e.img");
    doc.entries[0].inq_len = 5;
    doc.entries[0].outq_len = 3;
    doc.entries[0].extra = {
      inq: Buffer.from("12345").toString("base64"),
      outq: Buffer.from("abc").toString("base64"),
    };
    const img = fromCritJson(JSON.stringify(doc));
    expect(JSON.parse(toCritJson(img, { noPayload: true })).entries[0].extra).toBe("... <8B>");
  });

  it("sizes shared memory by the bytes the image holds, and shows none for segments in the pagemaps", () => {
    const bytes = new Uint8Array(readFileSync(join(corpusRoot, "images/many-fds/ipcns-shm-9.img")));
    const img = readImage(bytes, { name: "ipcns-shm-9.img" });
    const entries = JSON.parse(toCritJson(img, { noPayload: true })).entries;
    expect(entries.map((e: { extra?: string }) => e.extra)).toEqual([undefined, undefined]);
    // crit fails on this image (see above): our own JSON of it is the start.
    const doc = JSON.parse(toCritJson(img));
    doc.entries[1].in_pagemaps = false;
    doc.entries[1].extra = Buffer.from("abcdef").toString("base64");
    const out = JSON.parse(toCritJson(fromCritJson(JSON.stringify(doc)), { noPayload: true })).entries;
    expect(out.map((e: { extra?: string }) => e.extra)).toEqual([undefined, "... <6B>"]);
  });
});

describe("payloads crit could not have written", () => {
  const edited = (scenario: string, image: string, i: number, extra: unknown) => {
    const doc = golden(scenario, image);
    doc.entries[i].extra = extra;
    return error(doc);
  };

  it("are refused, each by its path and what it should have been", () => {
    const pipes = "entries[0].extra: expected a base64 string";
    expect(edited("many-fds", "pipes-data.img", 0, 5)).toBe(pipes);
    expect(edited("many-fds", "ghost-file-1.img", 0, [])).toContain("entries[0].extra: expected a base64 string");
    expect(edited("mixed-sockets", "tcp-stream-5131e.img", 0, "x")).toBe(
      "entries[0].extra: expected an object with inq and outq",
    );
    expect(edited("mixed-sockets", "tcp-stream-5131e.img", 0, null)).toBe(
      "entries[0].extra: expected an object with inq and outq",
    );
    expect(edited("mixed-sockets", "tcp-stream-5131e.img", 0, { inq: 1 })).toBe(
      "entries[0].extra.inq: expected a base64 string",
    );
    expect(edited("mixed-sockets", "tcp-stream-5131e.img", 0, { inq: "", outq: [] })).toBe(
      "entries[0].extra.outq: expected a base64 string",
    );
    expect(edited("many-fds", "ipcns-sem-9.img", 0, "1 2 3")).toBe(
      "entries[0].extra: expected a list of semaphore values",
    );
    for (const bad of [-1, 65536, 1.5, "7", null]) {
      expect(edited("many-fds", "ipcns-sem-9.img", 0, [1, bad, 3]), String(bad)).toBe(
        "entries[0].extra[1]: expected a u16",
      );
    }
    const shm = JSON.parse(
      toCritJson(
        readImage(new Uint8Array(readFileSync(join(corpusRoot, "images/many-fds/ipcns-shm-9.img"))), {
          name: "ipcns-shm-9.img",
        }),
      ),
    );
    shm.entries[0].extra = 64;
    expect(error(shm)).toBe("entries[0].extra: expected a base64 string");
    const msg = golden("many-fds", "ipcns-msg-9.img").entries[0].extra;
    expect(edited("many-fds", "ipcns-msg-9.img", 0, msg.slice(0, -1))).toBe(
      "entries[0].extra: expected a list of (ipc_msg, data) pairs",
    );
    expect(edited("many-fds", "ipcns-msg-9.img", 0, { ...msg })).toBe(
      "entries[0].extra: expected a list of (ipc_msg, data) pairs",
    );
    expect(edited("many-fds", "ipcns-msg-9.img", 0, [msg[0], 9])).toBe("entries[0].extra[1]: expected a base64 string");
  });

  it("take an absent payload as none, and a missing queue as empty", () => {
    // No "extra" key: an entry without its payload, which writes no "extra" either.
    for (const [scenario, image] of [
      ["many-fds", "pipes-data.img"],
      ["many-fds", "ghost-file-1.img"],
      ["mixed-sockets", "tcp-stream-5131e.img"],
      ["many-fds", "ipcns-sem-9.img"],
      ["many-fds", "ipcns-msg-9.img"],
    ] as const) {
      const doc = golden(scenario, image);
      delete doc.entries[0].extra;
      const img = fromCritJson(JSON.stringify(doc));
      expect("extras" in img && img.extras?.[0], image).toBeUndefined();
      if (image === "pipes-data.img" || image === "ghost-file-1.img")
        expect(JSON.parse(toCritJson(img)).entries[0].extra, image).toBeUndefined();
    }
    const tcp = golden("mixed-sockets", "tcp-stream-5131e.img");
    tcp.entries[0].extra = {};
    const img = fromCritJson(JSON.stringify(tcp));
    expect("extras" in img && img.extras?.[0]).toEqual({ inq: new Uint8Array(0), outq: new Uint8Array(0) });
    const sem = golden("many-fds", "ipcns-sem-9.img");
    sem.entries[0].extra = [0, 65535, 7];
    const semImg = fromCritJson(JSON.stringify(sem));
    expect("extras" in semImg && semImg.extras?.[0]).toEqual({ values: [0, 65535, 7] });
    // The text of a message past its msize is crit's to drop, as it writes only msize bytes.
    const msg = golden("many-fds", "ipcns-msg-9.img");
    const size = msg.entries[0].extra[0].msize;
    msg.entries[0].extra[1] = Buffer.alloc(size + 5, 0x41).toString("base64");
    const msgImg = fromCritJson(JSON.stringify(msg));
    const first = "extras" in msgImg ? (msgImg.extras?.[0] as { data: Uint8Array }[])[0] : undefined;
    expect(first?.data.length).toBe(size);
  });
});
