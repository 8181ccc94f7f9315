/**
 * A secret planted in every kind of place a value can be (memory in UTF-8
 * and UTF-16LE, the engine's metadata, a System V message, a ghost file, a
 * TCP queue, a pipe, a socket queue) is gone from every byte of the
 * redacted checkpoint; exactly its bytes changed; and the report names
 * each place without the value.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { editCheckpoint, redactCheckpoint } from "../../src/edit/index.js";
import { IMG_COMMON_MAGIC, kindByName } from "../../src/framing/index.js";
import { pipe_data_entrySchema, sk_packet_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, readImage, writeImage } from "../../src/index.js";
import { patternBytes } from "../../src/memory/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { memoryMarkers } from "../helpers/markers.js";

const images = join(corpusRoot, "images");
const PID = 29313;
const anon = memoryMarkers().find((m) => m.name === "MARK-ANON-alpha");
const page = (anon?.address as bigint) & ~0xfffn;

/** An image of one entry and its payload, built as CRIU frames it. */
function payloadImage(kind: "PIPES_DATA" | "SK_QUEUES", data: Uint8Array): Uint8Array {
  const entry =
    kind === "PIPES_DATA"
      ? create(pipe_data_entrySchema, { pipeId: 7, bytes: data.length })
      : create(sk_packet_entrySchema, { idFor: 7, length: data.length });
  const info = kindByName(kind);
  return writeImage({
    kind,
    format: "v1.1",
    magic: info?.magic,
    leadMagic: IMG_COMMON_MAGIC,
    entries: [entry],
    extras: [data],
  } as unknown as CriuImage);
}

/** `len` bytes of filler with the secret at `at`. */
const holding = (len: number, secret: Uint8Array, at: number) => {
  const b = new Uint8Array(len).fill(0x2e);
  b.set(secret, at);
  return b;
};

function withSecret(secret: string, at: number): Map<string, Uint8Array> {
  const s = patternBytes(secret);
  const m = new Map<string, Uint8Array>();
  for (const n of readdirSync(join(images, "memory"))) m.set(n, readFileSync(join(images, "memory", n)));
  // A message, a ghost file and a TCP queue of other corpus dumps, with the secret written into their bytes.
  const put = (name: string, from: string, edit: (img: CriuImage) => void) => {
    const img = readImage(readFileSync(join(images, from, name)), { name });
    edit(img);
    m.set(name, writeImage(img));
  };
  put("ipcns-msg-9.img", "many-fds", (img) => {
    ((img.extras as { data: Uint8Array }[][])[0]?.[1]?.data as Uint8Array).set(s, 23 - s.length);
  });
  put("ghost-file-1.img", "many-fds", (img) => {
    ((img.extras as Uint8Array[])[1] as Uint8Array).set(s, at);
  });
  put("tcp-stream-5131e.img", "mixed-sockets", (img) => {
    ((img.extras as { inq: Uint8Array }[])[0]?.inq as Uint8Array).set(s, 18 - s.length);
  });
  m.set("pipes-data.img", payloadImage("PIPES_DATA", holding(64, s, at % 40)));
  m.set("sk-queues.img", payloadImage("SK_QUEUES", holding(48, s, at % 30)));
  return m;
}

const spec = (secret: string) =>
  `{\n  "process": {\n    "env": [\n      "PATH=/bin",\n      "TOKEN=${secret}"\n    ]\n  },\n  "annotations": {\n    "note": "a ${secret} b \\u003c"\n  }\n}\n`;
const config = (secret: string) => `{\n  "spec": ${spec(secret).trim().replace(/\n/g, "\n  ")},\n  "name": "web"\n}\n`;

const has = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));

describe("redact --string reaches every place", () => {
  it("plants a random secret everywhere: none is left, exactly its bytes changed, the report has no value (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9]{6,14}$/),
        fc.integer({ min: 0, max: 4000 }),
        async (random, at) => {
          const secret = `Zq${random}`;
          const files = withSecret(secret, at);
          const companions = new Map([
            ["spec.dump", new TextEncoder().encode(spec(secret))],
            ["config.dump", new TextEncoder().encode(config(secret))],
          ]);
          // Memory: UTF-8 in one place, UTF-16LE in another, of a dumped private page.
          const planted = await editCheckpoint(new Checkpoint(memorySource(files, { companions })), (e) => {
            e.writeMemory(PID, page + BigInt(at % 2000), patternBytes(secret));
            e.writeMemory(PID, page + 2048n + BigInt(at % 1000), patternBytes(secret, "utf16le"));
          });
          const before = planted.checkpoint;
          const r = await redactCheckpoint(before, { strings: [secret] });
          const forms = [patternBytes(secret), patternBytes(secret, "utf16le")];
          const after = r.checkpoint;
          for (const name of after.names()) {
            const a = after.bytes(name) as Uint8Array;
            for (const f of forms) expect(has(a, f), `${name} still holds the secret`).toBe(false);
            // Only bytes of the secret changed, to the filler (sizes unchanged).
            const b = before.bytes(name) as Uint8Array;
            expect(a.length).toBe(b.length);
            for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect(a[i], name).toBe(0x2a);
          }
          for (const [path, f] of after.source.companions) {
            const text = new TextDecoder().decode(f.bytes());
            expect(text.includes(secret), path).toBe(false);
            expect(text).toBe(
              new TextDecoder()
                .decode(before.source.companions.get(path)?.bytes())
                .replaceAll(secret, "*".repeat(secret.length)),
            );
          }
          const kinds = new Set(r.redactions.map((x) => x.what));
          expect([...kinds].sort()).toEqual(
            ["ghost-file", "ipc-msg", "match", "metadata", "pipe", "socket-queue", "tcp-queue"].sort(),
          );
          expect(r.redactions.filter((x) => x.what === "match")).toHaveLength(2);
          expect(JSON.stringify(r.redactions)).not.toContain(secret);
          expect(JSON.stringify(r.notSearched)).not.toContain(secret);
        },
      ),
      { numRuns: 12, seed: 17 },
    );
  });

  it("--env blanks the value in the engine's metadata too; without UTF-16 its copies are named as not searched", async () => {
    const files = withSecret("ZqEnvValue01", 10);
    const companions = new Map([["spec.dump", new TextEncoder().encode(spec("ZqEnvValue01"))]]);
    const cp = new Checkpoint(memorySource(files, { companions }));
    // A selector that matches nothing is an error, naming a string by its place only (it may be the secret).
    await expect(redactCheckpoint(cp, { env: ["TOKEN", "NOPE"], strings: ["nothing-like-it"] })).rejects.toThrow(
      "--env NOPE, --string number 1 matched nothing; nothing was redacted (allowUnmatched accepts it)",
    );
    const r = await redactCheckpoint(cp, {
      env: ["TOKEN"],
      strings: ["nothing-like-it"],
      utf16: false,
      allowUnmatched: true,
    });
    const text = new TextDecoder().decode(r.changedMetadata.get("spec.dump"));
    expect(text).toContain('"TOKEN=************"');
    expect(text).toContain('"note": "a ZqEnvValue01 b \\u003c"');
    expect(r.redactions).toContainEqual({ what: "env", where: "spec.dump process.env[1]", bytes: 12 });
    expect(r.notSearched).toContain("UTF-16LE copies of the strings (utf16 is off)");
  });
});

describe("selectors that match nothing", () => {
  it("exit 1 and write nothing, in redact, mem search, mem and inspect --pid", async () => {
    const dir = join(images, "memory");
    const out = join(mkdtempSync(join(tmpdir(), "criu-image-nomatch-")), "out");
    const r = await runCli(["redact", dir, "--env", "NO_SUCH_NAME", "--out", out]);
    expect([r.code, r.stderr]).toEqual([
      1,
      `criu-image: ${dir}: at byte 0: expected selectors that each match something (--env NO_SUCH_NAME matched nothing; nothing was redacted (allowUnmatched accepts it))\n`,
    ]);
    expect(existsSync(out)).toBe(false);
    const search = await runCli(["mem", "search", dir, "--string", "no such text anywhere"]);
    expect([search.code, search.stderr]).toEqual([1, "criu-image: no match\n"]);
    const json = await runCli(["mem", "search", dir, "--string", "no such text anywhere", "--json"]);
    expect([json.code, json.stdout.toString()]).toEqual([1, "[]\n"]);
    expect((await runCli(["mem", "search", dir, "--string", "MARK-HEAP-alpha"])).code).toBe(0);
    const mem = await runCli(["mem", dir, "--pid", "1"]);
    expect(mem.code).toBe(1);
    expect(mem.stderr).toMatch(/^criu-image: no task 1 in .* \(tasks: 29313, 29316\)\n$/);
    const insp = await runCli(["inspect", dir, "--pid", "99999"]);
    expect(insp.code).toBe(1);
    expect(insp.stderr).toMatch(/^criu-image: no task 99999 in /);
  });
});

describe("the redact command never shows a value", () => {
  it("text and --json name places and sizes only", async () => {
    // A copy: a bug (or a mutant) that ignores --dry-run must not write into the shared corpus.
    const tmp = mkdtempSync(join(tmpdir(), "criu-image-redact-dry-"));
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const dir = join(tmp, "memory");
    cpSync(join(images, "memory"), dir, { recursive: true });
    const env = JSON.parse((await runCli(["inspect", dir, "--json"])).stdout.toString()).processes[0].env as string[];
    const token = (env.find((e) => e.startsWith("MARK_TOKEN=")) as string).slice("MARK_TOKEN=".length);
    expect(token.length).toBeGreaterThan(3);
    for (const extra of [[], ["--json"]]) {
      const r = await runCli(["redact", dir, "--env", "MARK_TOKEN", "--string", token, "--dry-run", ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const out = r.stdout.toString();
      expect(out).not.toContain(token);
      expect(out).toMatch(/env|match/);
    }
  });
});
