/**
 * The mem commands' own work: the hex dump against hexdump -C, bytes that
 * were never dumped, every argument they refuse, and their files and JSON.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { hexdump } from "../../src/cli/mem.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-mem-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const memory = join(corpusRoot, "images", "memory");
const haveHexdump = spawnSync("hexdump", ["-C"], { input: "" }).status === 0;

describe.skipIf(!haveHexdump)("hexdump", () => {
  // hexdump -C counts from 0 in 8 digits; ours are addresses in 16.
  const ours = (bytes: Uint8Array) =>
    hexdump(0n, bytes, [])
      .split("\n")
      .map((l) => l.replace(/^0{8}/, ""))
      .join("\n");

  it("is hexdump -C's text for any bytes, repeated rows collapsed to one * as it does", () => {
    const row = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const bytes = fc
      .array(fc.oneof(row, fc.constant(new Uint8Array(16)), fc.uint8Array({ maxLength: 40 })), { maxLength: 8 })
      .chain((parts) =>
        fc.array(fc.nat(3), { minLength: parts.length, maxLength: parts.length }).map((reps) => {
          const out: number[] = [];
          parts.forEach((p, i) => {
            for (let r = 0; r <= (reps[i] as number); r++) out.push(...p);
          });
          return Uint8Array.from(out);
        }),
      );
    fc.assert(
      fc.property(bytes, (b) => {
        if (b.length === 0) return;
        expect(ours(b)).toBe(execFileSync("hexdump", ["-C"], { input: b }).toString());
      }),
      { numRuns: 60 },
    );
    // Every byte value, printable or not, in the text column.
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(ours(all)).toBe(execFileSync("hexdump", ["-C"], { input: all }).toString());
  });
});

describe("the mem commands' refusals", () => {
  const PID = "give --pid P (a process id)";
  const ADDR = "--addr must be an address (0x… or decimal)";
  const LEN = "--len N (bytes, at most 1 GiB)";
  const HEX = "--hex takes pairs of hex digits";
  const CONTEXT = "--context N (bytes)";
  const N = "-n MIN (characters)";
  /** The subcommand ("" for mem itself), what follows the checkpoint, and the line after "mem SUB: ". */
  const cases: [sub: string, options: string[], line: string][] = [
    ["", ["--pid", "12x"], PID],
    ["", ["--pid", "x12"], PID],
    ["read", ["--addr", "0x1000", "--len", "4"], PID],
    ["read", ["--pid", "29313", "--addr", "0x10g", "--len", "4"], ADDR],
    ["read", ["--pid", "29313", "--addr", "x10", "--len", "4"], ADDR],
    ["read", ["--pid", "29313", "--len", "4"], ADDR],
    ["read", ["--pid", "29313", "--addr", "0x10"], LEN],
    ["read", ["--pid", "29313", "--addr", "0x10", "--len", "4k"], LEN],
    ["read", ["--pid", "29313", "--addr", "0x10", "--len", "k4"], LEN],
    ["read", ["--pid", "29313", "--addr", "0x10", "--len", String((1 << 30) + 1)], LEN],
    ["search", ["--hex", "4d4"], HEX],
    ["search", ["--hex", "x4d"], HEX],
    ["search", ["--hex", "4d-41"], HEX],
    ["search", ["--string", "x", "--prot", "qr"], "--prot takes letters of rwx"],
    ["search", ["--string", "x", "--context", "4x"], CONTEXT],
    ["search", ["--string", "x", "--context", "x4"], CONTEXT],
    ["search", ["--string", "x", "--pid", "1x"], PID],
    ["search", [], "give one of --string, --hex, --regex, --utf16"],
    ["strings", ["--pid", "29313", "-n", "4x"], N],
    ["strings", ["--pid", "29313", "-n", "x4"], N],
    ["strings", ["-n", "4"], PID],
  ];
  for (const [sub, options, line] of cases) {
    const command = sub ? `mem ${sub}` : "mem";
    it(`${command} ${options.join(" ")}`, async () => {
      const r = await runCli([...command.split(" "), memory, ...options]);
      expect([r.code, r.stderr]).toEqual([2, `criu-image: ${command}: ${line}\nsee criu-image ${command} --help\n`]);
    });
  }

  it("takes a decimal --addr, several-digit --context and -n, and hex with spaces or colons", async () => {
    for (const args of [
      ["mem", "read", memory, "--pid", "29313", "--addr", "1", "--len", "4"],
      ["mem", "search", memory, "--hex", "4d 41:52 4b", "--context", "12", "--pid", "29316"],
      ["mem", "search", memory, "--string", "MARK-HEAP", "--prot", "rw"],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(0);
    }
    const strings = await runCli(["mem", "strings", memory, "--pid", "29316", "-n", "12"]);
    expect(strings.code).toBe(0);
    expect(
      strings.stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .every((l) => l.split(" ").slice(1).join(" ").length >= 12),
    ).toBe(true);
  });
});

describe("the mem commands' output", () => {
  it("--pid --json: the VMA table's rows, addresses in hex and 64-bit numbers as text", async () => {
    const text = (await runCli(["mem", memory, "--pid", "29316"])).stdout.toString().split("\n").slice(1, -1);
    const json = JSON.parse((await runCli(["mem", memory, "--pid", "29316", "--json"])).stdout.toString());
    expect(json).toHaveLength(text.length);
    for (const [i, v] of json.entries()) {
      const [start, end, prot, kind] = (text[i] as string).split(/\s+/);
      expect([v.start, v.end, v.prot, v.kind]).toEqual([
        `0x${BigInt(`0x${start}`).toString(16)}`,
        `0x${BigInt(`0x${end}`).toString(16)}`,
        prot,
        kind,
      ]);
      expect(typeof v.pgoff).toBe("string");
      expect(typeof v.shmid).toBe("string");
      expect(typeof v.delta).toBe("string");
    }
  });

  it("read -o writes the dump's text or, with --raw, the bytes; --raw refuses bytes never dumped unless --fill", async () => {
    // MARK-STRADDLE-alpha at 0x7f58bc165ff7, across two pages (corpus README).
    const at = ["--pid", "29313", "--addr", "0x7f58bc165ff7", "--len", "19"];
    const shown = await runCli(["mem", "read", memory, ...at]);
    const file = join(work, "dump.txt");
    expect((await runCli(["mem", "read", memory, ...at, "-o", file])).stdout.length).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(shown.stdout.toString());
    const raw = join(work, "raw.bin");
    expect((await runCli(["mem", "read", memory, ...at, "--raw", "-o", raw])).code).toBe(0);
    expect(readFileSync(raw).toString()).toBe("MARK-STRADDLE-alpha");
    expect((await runCli(["mem", "read", memory, ...at, "--raw"])).stdout.toString()).toBe("MARK-STRADDLE-alpha");
    // Page 1 of the anonymous mapping at 0x7f58bc34e000 was never touched (corpus README).
    const hole = ["--pid", "29313", "--addr", "0x7f58bc34eff8", "--len", "16", "--raw"];
    const refused = await runCli(["mem", "read", memory, ...hole]);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      "criu-image: mem read: 0x7f58bc34f000-0x7f58bc34f008 was not dumped; give --fill to write zeros there\nsee criu-image mem read --help\n",
    ]);
    const filled = await runCli(["mem", "read", memory, ...hole, "--fill"]);
    expect([...filled.stdout.subarray(8)]).toEqual(Array(8).fill(0));
  });

  it("strings: four characters at least by default", async () => {
    const lines = (await runCli(["mem", "strings", memory, "--pid", "29316"])).stdout
      .toString()
      .split("\n")
      .filter(Boolean);
    const lengths = lines.map((l) => l.slice(l.indexOf(" ") + 1).length);
    expect(Math.min(...lengths)).toBe(4);
    const wide = (await runCli(["mem", "strings", memory, "--pid", "29313", "--utf16", "-n", "10"])).stdout.toString();
    expect(wide).toContain("0x7f58bc350198 MARK-WIDE-alpha");
  });
});
