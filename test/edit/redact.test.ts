/**
 * redactCheckpoint, each selector on its own, with the expected bytes worked
 * out apart from redact: environment values as the corpus README lists them,
 * payload ranges walked from CRIU's framing (magic, then size, entry and the
 * entry's data), and the count of changed bytes, which must be exactly the
 * secret's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { editCheckpoint, redactCheckpoint } from "../../src/edit/index.js";
import { type CriuImage, readImage, writeImage } from "../../src/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { patternBytes } from "../../src/memory/index.js";
import { corpusDump } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";
import { withZombie } from "../helpers/zombie.js";

const PARENT = 29313;
const CHILD = 29316;
const ENV = { MARK_USER: "corpus", MARK_TOKEN: "s3cr3t-0001", PATH: "/usr/bin" };

/** Bytes that differ between two checkpoints' images, by image; sizes must be equal. */
function changedBytes(a: Checkpoint, b: Checkpoint): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const n of a.names()) {
    const x = a.bytes(n) as Uint8Array;
    const y = b.bytes(n) as Uint8Array;
    expect(y.length, n).toBe(x.length);
    const at: number[] = [];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) at.push(i);
    if (at.length) out.set(n, at);
  }
  return out;
}
const total = (m: Map<string, number[]>) => [...m.values()].reduce((s, v) => s + v.length, 0);

async function envOf(cp: Checkpoint): Promise<Map<number, string[] | null>> {
  const r = await inspectCheckpoint(cp);
  return new Map(r.processes.map((p) => [p.pid, p.env]));
}

/** The env region of a task, as its mm image gives it. */
function envRange(cp: Checkpoint, pid: number): [bigint, bigint] {
  const mm = cp.first(`mm-${pid}.img`, "MM");
  return [mm?.mmEnvStart as bigint, mm?.mmEnvEnd as bigint];
}

describe("redact: environment values in memory", () => {
  it("--env NAME: exactly the value's bytes of each task, to the filler; the name and '=' stay", async () => {
    const before = Checkpoint.of(corpusDump("memory"));
    const r = await redactCheckpoint(before, { env: ["MARK_TOKEN"] });
    expect(r.redactions).toEqual([
      { what: "env", where: `task ${PARENT} MARK_TOKEN`, bytes: ENV.MARK_TOKEN.length },
      { what: "env", where: `task ${CHILD} MARK_TOKEN`, bytes: ENV.MARK_TOKEN.length },
    ]);
    const diff = changedBytes(before, r.checkpoint);
    expect(total(diff)).toBe(2 * ENV.MARK_TOKEN.length);
    for (const [name, at] of diff) {
      expect(name).toMatch(/^pages-\d+\.img$/);
      for (const i of at) expect((r.checkpoint.bytes(name) as Uint8Array)[i]).toBe(0x2a);
    }
    expect([...r.changed.keys()].sort()).toEqual([...diff.keys()].sort());
    const env = await envOf(r.checkpoint);
    for (const pid of [PARENT, CHILD])
      expect(env.get(pid)).toEqual(["MARK_USER=corpus", `MARK_TOKEN=${"*".repeat(11)}`, "PATH=/usr/bin"]);
    expect(r.changedMetadata.size).toBe(0);
    expect(r.notSearched).toEqual([]);
  });

  it("envAll with another filler: every value of every task, and nothing else", async () => {
    const before = Checkpoint.of(corpusDump("memory"));
    const r = await redactCheckpoint(before, { envAll: true, filler: 0x23 });
    const values = Object.entries(ENV);
    expect(r.redactions).toEqual(
      [PARENT, CHILD].flatMap((pid) =>
        values.map(([k, v]) => ({ what: "env", where: `task ${pid} ${k}`, bytes: v.length })),
      ),
    );
    expect(total(changedBytes(before, r.checkpoint))).toBe(2 * values.reduce((s, [, v]) => s + v.length, 0));
    const env = await envOf(r.checkpoint);
    expect(env.get(CHILD)).toEqual(values.map(([k, v]) => `${k}=${"#".repeat(v.length)}`));
  });

  it("strings that are not NAME=value, and empty values, are passed over", async () => {
    // "MARK_USER=corpus\0" becomes "=X\0EMPTY=\0" and NULs: an entry without a name, one without a value.
    const base = Checkpoint.of(corpusDump("memory"));
    const odd = new TextEncoder().encode("=X\0EMPTY=\0\0\0\0\0\0\0");
    const edited = await editCheckpoint(base, (e) => {
      for (const pid of [PARENT, CHILD]) e.writeMemory(pid, envRange(base, pid)[0], odd);
    });
    const r = await redactCheckpoint(edited.checkpoint, { envAll: true });
    expect(r.redactions.map((x) => x.where)).toEqual([
      `task ${PARENT} MARK_TOKEN`,
      `task ${PARENT} PATH`,
      `task ${CHILD} MARK_TOKEN`,
      `task ${CHILD} PATH`,
    ]);
    await expect(redactCheckpoint(edited.checkpoint, { env: ["EMPTY"] })).rejects.toThrow(
      /--env EMPTY matched nothing/,
    );
    await expect(redactCheckpoint(edited.checkpoint, { env: [""] })).rejects.toThrow(/--env {2}matched nothing/);
  });

  it("an env block that starts with an empty string: the variables after it are found", async () => {
    const base = Checkpoint.of(corpusDump("memory"));
    const edited = await editCheckpoint(base, (e) => {
      for (const pid of [PARENT, CHILD]) e.writeMemory(pid, envRange(base, pid)[0], new Uint8Array([0]));
    });
    const r = await redactCheckpoint(edited.checkpoint, { envAll: true });
    expect(r.redactions.map((x) => [x.where, x.bytes])).toEqual(
      [PARENT, CHILD].flatMap((pid) => [
        [`task ${pid} ARK_USER`, 6],
        [`task ${pid} MARK_TOKEN`, 11],
        [`task ${pid} PATH`, 8],
      ]),
    );
  });

  it("an env range that ends without its NUL: the last value is still redacted whole", async () => {
    const files = corpusDump("memory");
    for (const pid of [PARENT, CHILD]) {
      const mm = readImage(files.get(`mm-${pid}.img`) as Uint8Array, { name: "mm" });
      if (mm.kind !== "MM" || !mm.entries[0]) throw new Error("mm");
      mm.entries[0].mmEnvEnd -= 1n;
      files.set(`mm-${pid}.img`, writeImage(mm as CriuImage));
    }
    const r = await redactCheckpoint(Checkpoint.of(files), { env: ["PATH"] });
    expect(r.redactions).toEqual([
      { what: "env", where: `task ${PARENT} PATH`, bytes: ENV.PATH.length },
      { what: "env", where: `task ${CHILD} PATH`, bytes: ENV.PATH.length },
    ]);
  });

  it("an env range of exactly 16 MiB is still read", async () => {
    const files = corpusDump("memory");
    const mm = readImage(files.get(`mm-${PARENT}.img`) as Uint8Array, { name: "mm" });
    if (mm.kind !== "MM" || !mm.entries[0]) throw new Error("mm");
    mm.entries[0].mmEnvEnd = mm.entries[0].mmEnvStart + (1n << 24n);
    files.set(`mm-${PARENT}.img`, writeImage(mm as CriuImage));
    const r = await redactCheckpoint(Checkpoint.of(files), { env: ["MARK_TOKEN"] });
    expect(r.redactions.map((x) => x.where)).toEqual([`task ${PARENT} MARK_TOKEN`, `task ${CHILD} MARK_TOKEN`]);
  });

  it("a task whose env range is empty or implausibly long is not read; a zombie is passed over", async () => {
    for (const [what, end] of [
      ["empty", (s: bigint) => s],
      ["reversed", (s: bigint) => s - 1n],
      ["over 16 MiB", (s: bigint) => s + (1n << 24n) + 1n],
    ] as const) {
      const files = corpusDump("memory");
      const mm = readImage(files.get(`mm-${PARENT}.img`) as Uint8Array, { name: "mm" });
      if (mm.kind !== "MM") throw new Error("mm");
      const m = mm.entries[0];
      if (!m) throw new Error("mm entry");
      m.mmEnvEnd = end(m.mmEnvStart);
      files.set(`mm-${PARENT}.img`, writeImage(mm as CriuImage));
      const r = await redactCheckpoint(Checkpoint.of(withZombie(files)), { env: ["MARK_TOKEN"] });
      expect(
        r.redactions.map((x) => x.where),
        what,
      ).toEqual([`task ${CHILD} MARK_TOKEN`]);
    }
  });
});

/**
 * The [offset, length] of every entry's data in an image framed as CRIU
 * writes images with data after entries: two magics, then per entry a u32
 * size, the entry, and `dataLength(i)` bytes.
 */
function payloadRanges(bytes: Uint8Array, dataLength: (i: number) => number): [number, number][] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number][] = [];
  for (let at = 8, i = 0; at < bytes.length; i++) {
    const size = v.getUint32(at, true);
    const data = at + 4 + size;
    out.push([data, dataLength(i)]);
    at = data + dataLength(i);
  }
  return out;
}

/** crit's JSON of a corpus image. */
const golden = (scenario: string, name: string) =>
  JSON.parse(readFileSync(join(corpusRoot, "crit", scenario, `${name}.json`), "utf8"));

describe("redact: data after entries", () => {
  it("pipes: pipe and FIFO data zeroed in place, exactly their bytes, lengths kept; TCP queues left", async () => {
    const before = Checkpoint.of(corpusDump("many-fds"));
    const r = await redactCheckpoint(before, { pipes: true });
    const diff = changedBytes(before, r.checkpoint);
    expect([...diff.keys()].sort()).toEqual(["fifo-data.img", "pipes-data.img"]);
    for (const name of ["pipes-data.img", "fifo-data.img"]) {
      const entries = golden("many-fds", name).entries as { bytes: number }[];
      const old = before.bytes(name) as Uint8Array;
      const expected = old.slice();
      for (const [at, len] of payloadRanges(old, (i) => entries[i]?.bytes ?? 0)) expected.fill(0, at, at + len);
      expect(Buffer.compare(r.checkpoint.bytes(name) as Uint8Array, expected), name).toBe(0);
      entries.forEach((e, i) => {
        expect(r.redactions).toContainEqual({ what: "pipe", where: `${name} entry ${i}`, bytes: e.bytes });
      });
    }
    expect(r.redactions).toHaveLength(2);
    const tcp = Checkpoint.of(corpusDump("tcp4"));
    expect((await redactCheckpoint(tcp, { pipes: true })).changed.size).toBe(0);
  });

  it("TCP queues: inq then outq of every stream zeroed, as tcp-stream's framing places them", async () => {
    const before = Checkpoint.of(corpusDump("tcp4"));
    const r = await redactCheckpoint(before, { tcpQueues: true });
    const streams = before.names().filter((n) => n.startsWith("tcp-stream-"));
    expect(streams.length).toBeGreaterThan(0);
    let expectedBytes = 0;
    for (const name of streams) {
      const e = golden("tcp4", name).entries[0] as { inq_len: number; outq_len: number };
      const old = before.bytes(name) as Uint8Array;
      const expected = old.slice();
      const [[at]] = payloadRanges(old, () => e.inq_len + e.outq_len) as [[number, number]];
      expected.fill(0, at, at + e.inq_len + e.outq_len);
      expect(Buffer.compare(r.checkpoint.bytes(name) as Uint8Array, expected), name).toBe(0);
      const nonZero = old.subarray(at, at + e.inq_len + e.outq_len).some((x) => x !== 0);
      if (nonZero) expectedBytes += e.inq_len + e.outq_len;
    }
    expect(r.redactions.every((x) => x.what === "tcp-queue")).toBe(true);
    expect(r.redactions.reduce((s, x) => s + x.bytes, 0)).toBe(
      streams.reduce((s, n) => {
        const e = golden("tcp4", n).entries[0];
        return s + e.inq_len + e.outq_len;
      }, 0),
    );
    expect(expectedBytes).toBeGreaterThan(0);
    // Pipes are not queues.
    expect((await redactCheckpoint(Checkpoint.of(corpusDump("many-fds")), { tcpQueues: true })).changed.size).toBe(0);
  });

  it("a string in pipe data and a BPF map: exactly each occurrence, even at the very end, never past it", async () => {
    const pipes = Checkpoint.of(corpusDump("many-fds"));
    // The corpus pipe holds "data sitting in a pipe\n": "in" twice (once inside "sitting"), "pipe\n" at the end.
    const r = await redactCheckpoint(pipes, { strings: ["in", "pipe\n", "e\nX"], allowUnmatched: true });
    const img = readImage(r.checkpoint.bytes("pipes-data.img") as Uint8Array, { name: "pipes-data.img" });
    expect(new TextDecoder().decode((img.extras as Uint8Array[])[0])).toBe("data sitt**g ** a *****");
    expect(r.redactions).toContainEqual({ what: "pipe", where: "pipes-data.img entry 0", bytes: 9 });
    const fifo = readImage(r.checkpoint.bytes("fifo-data.img") as Uint8Array, { name: "fifo-data.img" });
    expect(new TextDecoder().decode((fifo.extras as Uint8Array[])[0])).toBe("data sitt**g ** a fifo\n");
    // Overlapping occurrences: each match is overwritten whole, the next one looked for after it.
    const overlap = await redactCheckpoint(pipes, { strings: ["tti", "it"], utf16: false });
    const o = readImage(overlap.checkpoint.bytes("pipes-data.img") as Uint8Array, { name: "p" });
    expect(new TextDecoder().decode((o.extras as Uint8Array[])[0])).toBe("data si***ng in a pipe\n");

    // A BPF map's keys and values (corpus README: map 33 holds 16 "a" and 16 "b" values among others).
    const bpf = Checkpoint.of(corpusDump("bpfmap"));
    const rb = await redactCheckpoint(bpf, { strings: ["aaab"], utf16: false });
    expect(rb.redactions).toEqual([{ what: "bpf-map", where: "bpfmap-data.img entry 1", bytes: 4 }]);
    expect(total(changedBytes(bpf, rb.checkpoint))).toBe(4);
  });

  it("a regular expression in payloads: every match, none of zero length, flags kept", async () => {
    const pipes = Checkpoint.of(corpusDump("many-fds"));
    const r = await redactCheckpoint(pipes, { regexes: [/S\w+G/i, /\b/], allowUnmatched: true });
    const img = readImage(r.checkpoint.bytes("pipes-data.img") as Uint8Array, { name: "p" });
    expect(new TextDecoder().decode((img.extras as Uint8Array[])[0])).toBe("data ******* in a pipe\n");
    expect(r.redactions).toContainEqual({ what: "pipe", where: "pipes-data.img entry 0", bytes: 7 });
    const g = await redactCheckpoint(pipes, { regexes: [/a/g], allowUnmatched: true });
    const gi = readImage(g.checkpoint.bytes("fifo-data.img") as Uint8Array, { name: "f" });
    expect(new TextDecoder().decode((gi.extras as Uint8Array[])[0])).toBe("d*t* sitting in * fifo\n");
    // The zero-length one matched nothing it could overwrite: it is named as unmatched.
    await expect(redactCheckpoint(pipes, { regexes: [/S\w+G/i, /\b/] })).rejects.toThrow(
      "--regex number 2 matched nothing",
    );
  });
});

describe("redact: which selectors matched", () => {
  it("a string found only as UTF-16LE, and an expression found only in a pipe, count as matched", async () => {
    const base = Checkpoint.of(corpusDump("memory"));
    const [envStart] = envRange(base, PARENT);
    const planted = await editCheckpoint(base, (e) => {
      e.writeMemory(PARENT, envStart - 256n, patternBytes("ZqWideOnly77", "utf16le"));
    });
    const r = await redactCheckpoint(planted.checkpoint, { strings: ["ZqWideOnly77"] });
    expect(r.redactions.map((x) => [x.what, x.bytes])).toEqual([["match", 24]]);
    const files = corpusDump("simple");
    files.set("pipes-data.img", corpusDump("many-fds").get("pipes-data.img") as Uint8Array);
    const p = await redactCheckpoint(Checkpoint.of(files), { regexes: [/sitting in a p\w+/] });
    expect(p.redactions).toEqual([{ what: "pipe", where: "pipes-data.img entry 0", bytes: 17 }]);
    expect(p.notSearched).toContain(
      "names inside images (file paths, socket names, process names): changing them would break the restore",
    );
    const both = await redactCheckpoint(Checkpoint.of(files), { regexes: [/sitting/], strings: ["pipe"] });
    expect(both.notSearched).toContain(
      "names inside images (file paths, socket names, process names): changing them would break the restore",
    );
    const e = await redactCheckpoint(Checkpoint.of(files), { strings: ["no-such-thing-zq"] }).catch((x) => x);
    expect([e.code, e.image, e.offset]).toEqual(["INVALID", "memory", 0]);
  });

  it("pipes: true zeroes what is queued on unix sockets too", async () => {
    const before = Checkpoint.of(corpusDump("mixed-sockets"));
    const r = await redactCheckpoint(before, { pipes: true });
    const queued = golden("mixed-sockets", "sk-queues.img").entries as { length: number }[];
    expect(r.redactions.filter((x) => x.what === "socket-queue")).toEqual(
      queued.map((q, i) => ({ what: "socket-queue", where: `sk-queues.img entry ${i}`, bytes: q.length })),
    );
    expect(total(changedBytes(before, r.checkpoint))).toBeGreaterThan(0);
  });
});

describe("redact: strings in memory", () => {
  it("UTF-8 and UTF-16LE copies by default; utf16: false searches UTF-8 only and says so", async () => {
    const base = Checkpoint.of(corpusDump("memory"));
    const secret = "ZqRedactMe42";
    const [envStart] = envRange(base, PARENT);
    // Both forms, in the parent's env pages (dumped, private), apart from each other.
    const planted = await editCheckpoint(base, (e) => {
      e.writeMemory(PARENT, envStart - 512n, patternBytes(secret));
      e.writeMemory(PARENT, envStart - 256n, patternBytes(secret, "utf16le"));
    });
    const both = await redactCheckpoint(planted.checkpoint, { strings: [secret] });
    expect(both.redactions.map((x) => [x.what, x.bytes])).toEqual([
      ["match", secret.length],
      ["match", 2 * secret.length],
    ]);
    expect(total(changedBytes(planted.checkpoint, both.checkpoint))).toBe(3 * secret.length);
    const utf8 = await redactCheckpoint(planted.checkpoint, { strings: [secret], utf16: false });
    expect(utf8.redactions.map((x) => x.bytes)).toEqual([secret.length]);
    expect(utf8.notSearched).toContain("UTF-16LE copies of the strings (utf16 is off)");
    expect(both.notSearched).not.toContain("UTF-16LE copies of the strings (utf16 is off)");
    expect(utf8.redactions[0]?.where).toMatch(new RegExp(`^task ${PARENT} 0x[0-9a-f]+ \\(\\w+\\)$`));
  });

  it("a regular expression over memory: each task's match, reported by address", async () => {
    const cp = Checkpoint.of(corpusDump("memory"));
    const r = await redactCheckpoint(cp, { regexes: [/s3cr3t-\d{4}/] });
    expect(r.redactions.map((x) => [x.what, x.bytes])).toEqual([
      ["match", 11],
      ["match", 11],
    ]);
    expect(r.redactions.map((x) => x.where.split(" ")[1])).toEqual([String(PARENT), String(CHILD)]);
    const env = await envOf(r.checkpoint);
    expect(env.get(CHILD)).toContain(`MARK_TOKEN=${"*".repeat(11)}`);
  });
});

describe("redact: the engine's metadata", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const withMeta = (files: Record<string, string | Uint8Array>) =>
    new Checkpoint(
      memorySource(corpusDump("simple"), {
        companions: new Map(Object.entries(files).map(([k, v]) => [k, typeof v === "string" ? enc(v) : v])),
      }),
    );

  it("CRI's envs ({key, value}) in config.dump: the value of the named key only", async () => {
    const config = '{"envs":[{"key":"TOKEN","value":"abc\\"d"},{"key":"OTHER","value":"keep"},{"value":"x"}]}';
    const r = await redactCheckpoint(withMeta({ "config.dump": config }), { env: ["TOKEN"] });
    expect(new TextDecoder().decode(r.changedMetadata.get("config.dump"))).toBe(
      '{"envs":[{"key":"TOKEN","value":"*****"},{"key":"OTHER","value":"keep"},{"value":"x"}]}',
    );
    expect(r.redactions).toEqual([{ what: "env", where: "config.dump envs[0].value", bytes: 5 }]);
    const all = await redactCheckpoint(withMeta({ "config.dump": config }), { envAll: true });
    expect(new TextDecoder().decode(all.changedMetadata.get("config.dump"))).toBe(
      '{"envs":[{"key":"TOKEN","value":"*****"},{"key":"OTHER","value":"****"},{"value":"x"}]}',
    );
    // A value under another key than envs, and an "env" list of a non-spec shape, are not environment.
    const other =
      '{"labels":[{"key":"TOKEN","value":"v"}],"process":{"env":["TOKEN=v",7,"=nameless"]},"env":{"a":"TOKEN=v"}}';
    const o = await redactCheckpoint(withMeta({ "spec.dump": other }), { env: ["TOKEN"] });
    expect(new TextDecoder().decode(o.changedMetadata.get("spec.dump"))).toBe(
      '{"labels":[{"key":"TOKEN","value":"v"}],"process":{"env":["TOKEN=*",7,"=nameless"]},"env":{"a":"TOKEN=v"}}',
    );
    expect(o.redactions).toEqual([{ what: "env", where: "spec.dump process.env[0]", bytes: 1 }]);
  });

  it("an env value written with escapes keeps the file's other text; strings and expressions count changed characters", async () => {
    const spec = '{"process":{"env":["TOKEN=a\\u0041b","KEEP=TOKEN=x"]},"note":"the s3cr3t and s3cr3t"}';
    const r = await redactCheckpoint(withMeta({ "spec.dump": spec }), {
      env: ["TOKEN"],
      strings: ["s3cr3t"],
      regexes: [/KEEP=TOK/],
    });
    expect(new TextDecoder().decode(r.changedMetadata.get("spec.dump"))).toBe(
      '{"process":{"env":["TOKEN=***","********EN=x"]},"note":"the ****** and ******"}',
    );
    expect(r.redactions).toEqual([
      { what: "env", where: "spec.dump process.env[0]", bytes: 3 },
      { what: "metadata", where: "spec.dump process.env[1]", bytes: 8 },
      { what: "metadata", where: "spec.dump note", bytes: 12 },
    ]);
  });

  it("only env lists are environment: args, other keys and nameless entries stay, even with envAll", async () => {
    const spec = '{"process":{"args":["TOKEN=v"],"env":["=nameless","TOKEN=v"]}}';
    const r = await redactCheckpoint(withMeta({ "spec.dump": spec }), { envAll: true });
    expect(new TextDecoder().decode(r.changedMetadata.get("spec.dump"))).toBe(
      '{"process":{"args":["TOKEN=v"],"env":["=nameless","TOKEN=*"]}}',
    );
  });

  it("metadata that is not valid UTF-8 is left as it was, even when it holds the string", async () => {
    const bad = new Uint8Array([...enc('{"a":"s3cr3t","b":"'), 0xff, ...enc('"}')]);
    const r = await redactCheckpoint(withMeta({ "config.dump": bad, "spec.dump": '{"a":"s3cr3t"}' }), {
      strings: ["s3cr3t"],
    });
    expect([...r.changedMetadata.keys()]).toEqual(["spec.dump"]);
  });

  it("an env entry whose name the engine wrote with escapes keeps them; the value is blanked to its length", async () => {
    // Go's encoder writes < > & as \u003c \u003e \u0026. An escape in the name is kept; one in the value is
    // blanked with it, and the entry is then written as JSON.stringify writes it.
    const spec = '{"process":{"env":["\\u0054OKEN=secret7","A\\u0026B=x\\u003c"]}}';
    const r = await redactCheckpoint(withMeta({ "spec.dump": spec }), { env: ["TOKEN"] });
    expect(new TextDecoder().decode(r.changedMetadata.get("spec.dump"))).toBe(
      '{"process":{"env":["\\u0054OKEN=*******","A\\u0026B=x\\u003c"]}}',
    );
    expect(r.redactions).toEqual([{ what: "env", where: "spec.dump process.env[0]", bytes: 7 }]);
    const all = await redactCheckpoint(withMeta({ "spec.dump": spec }), { envAll: true });
    expect(new TextDecoder().decode(all.changedMetadata.get("spec.dump"))).toBe(
      '{"process":{"env":["\\u0054OKEN=*******","A&B=**"]}}',
    );
  });

  it("metadata that is not UTF-8 or over the limit is not searched, and named; other companions are named", async () => {
    const bad = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const cp = withMeta({ "spec.dump": bad, "rootfs-diff.tar": "x", "config.dump": '{"a":"s3cr3t"}' });
    const r = await redactCheckpoint(cp, { strings: ["s3cr3t"] });
    expect([...r.changedMetadata.keys()]).toEqual(["config.dump"]);
    expect(r.notSearched).toEqual([
      "rootfs-diff.tar: not one of the engine's metadata files (an archive of the container's files, a log, statistics)",
      "names inside images (file paths, socket names, process names): changing them would break the restore",
    ]);
    // Without strings or expressions only the companions are named.
    const envOnly = await redactCheckpoint(cp, { env: ["NONE"], allowUnmatched: true });
    expect(envOnly.notSearched).toEqual([r.notSearched[0]]);
    expect(envOnly.changed.size + envOnly.changedMetadata.size).toBe(0);
    // Raw images are named, pages are not (they are searched).
    const net = await redactCheckpoint(Checkpoint.of(corpusDump("netns")), {
      strings: ["zz-none"],
      allowUnmatched: true,
    });
    const raw = net.notSearched.find((s) => s.startsWith("raw images"));
    expect(raw).toMatch(/^raw images \(ifaddr-9\.img, .*\): kernel dumps of the network namespace, kept as they are$/);
    expect(raw).not.toMatch(/pages-/);
  });

  it("metadata over the limit is sized, not read", async () => {
    const big = {
      size: 64 * 1024 * 1024,
      bytes: () => enc('{"a":"s3cr3t"}'),
      read: async () => enc(""),
    };
    const src = memorySource(corpusDump("simple"));
    const cp = new Checkpoint({ ...src, companions: new Map([["spec.dump", big]]) });
    const r = await redactCheckpoint(cp, { strings: ["s3cr3t"], allowUnmatched: true });
    expect(r.changedMetadata.size).toBe(0);
    expect(r.notSearched[0]).toBe("spec.dump: over the 16 MiB limit for metadata");
  });
});

describe("the checkpoint given is never changed", () => {
  it("payloads changed in place by redact and by an edit leave the input's bytes as they were", async () => {
    const files = corpusDump("many-fds");
    const copy = new Map([...files].map(([n, b]) => [n, b.slice()]));
    const cp = new Checkpoint(memorySource(files));
    const r = await redactCheckpoint(cp, { pipes: true });
    expect([...r.changed.keys()]).toEqual(["fifo-data.img", "pipes-data.img"]);
    const edited = await editCheckpoint(cp, (e) => {
      const img = e.image("pipes-data.img", "PIPES_DATA");
      (img?.extras?.[0] as Uint8Array).fill(0x41);
      // The edit's own view is its copy too.
      const seen = e.view.kind("pipes-data.img", "PIPES_DATA");
      expect((seen?.extras?.[0] as Uint8Array)[0]).toBe(0x41);
    });
    expect([...edited.changed.keys()]).toEqual(["pipes-data.img"]);
    for (const [n, b] of files) expect(Buffer.compare(b, copy.get(n) as Uint8Array), n).toBe(0);
    expect(cp.image("pipes-data.img")?.extras?.[0]).toEqual(
      readImage(copy.get("pipes-data.img") as Uint8Array, { name: "p" }).extras?.[0],
    );
  });
});
