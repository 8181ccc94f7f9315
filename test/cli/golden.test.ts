/**
 * Each command's text on named corpus checkpoints, kept in
 * test/fixtures/cli-golden/ and compared byte for byte: a change to any
 * column, label, sort order or exit status shows up as a diff to review.
 * The files were read against the corpus README when written (the pids,
 * addresses, cmdlines and markers it lists are in them); other suites check
 * the numbers against crit and the README one by one. Paths are written as
 * <corpus> and <work>, so the files hold on any machine. A new file is
 * written only outside CI (vitest refuses to write one with CI=true).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-golden-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const img = (s: string) => join(corpusRoot, "images", s);
const archive = join(corpusRoot, "archives", "podman-web.tar");
const chainTop = join(work, "chain-a", "2");
const chainChanged = join(work, "chain-b", "2");

beforeAll(() => {
  const chain = join(corpusRoot, "chains", "images", "predump");
  for (const d of ["chain-a", "chain-b"]) cpSync(chain, join(work, d), { recursive: true, verbatimSymlinks: true });
  // One byte of MARK-HEAP-bravo, which task 188 keeps in the parent dump (corpus README).
  const pages = join(work, "chain-b", "1", "pages-1.img");
  const bytes = readFileSync(pages);
  bytes[0x32a8] = 0x6d;
  writeFileSync(pages, bytes);
  mkdirSync(join(work, "cores"));
  // The commands that can write get copies: a bug (or a mutant) that ignores --dry-run must not change the corpus.
  for (const sc of ["tcp4", "memory", "many-fds"]) cpSync(img(sc), join(work, sc), { recursive: true });
});

/** A file name for the case, and the command line (no --json: the text is what is kept here). */
const CASES: [name: string, args: () => string[]][] = [
  ...["simple", "many-fds", "mixed-sockets", "netns", "memory", "tcp6"].map(
    (s) => [`inspect-all-${s}`, () => ["inspect", img(s), "--all"]] as [string, () => string[]],
  ),
  ["inspect-archive", () => ["inspect", archive, "--all"]],
  ["inspect-pid", () => ["inspect", img("memory"), "--pid", "29316", "--env", "--files"]],
  ...["tcp4", "tcp6", "tcp-v4mapped", "mixed-sockets"].map(
    (s) => [`tcp-list-${s}`, () => ["tcp", "list", img(s)]] as [string, () => string[]],
  ),
  ["tcp-list-two", () => ["tcp", "list", img("tcp4"), img("tcp-v4mapped")]],
  ["tcp-rewrite-dry", () => ["tcp", "rewrite", join(work, "tcp4"), "--addr", "127.0.0.1=10.0.0.1", "--dry-run"]],
  ["mem", () => ["mem", img("memory")]],
  ["mem-pid", () => ["mem", img("memory"), "--pid", "29313"]],
  ["mem-chain", () => ["mem", chainTop, "--pid", "188"]],
  ["mem-search-string", () => ["mem", "search", img("memory"), "--string", "MARK-HEAP-alpha"]],
  ["mem-search-stack", () => ["mem", "search", img("memory"), "--string", "MARK-", "--vma", "stack", "--json"]],
  ["mem-search-regex", () => ["mem", "search", img("memory"), "--regex", "MARK-[A-Z0-9]+-alpha", "--context", "4"]],
  [
    "mem-search-hex",
    () => ["mem", "search", img("memory"), "--pid", "29316", "--hex", "4d:41:52:4b:2d:53", "--vma", "memfd"],
  ],
  ["mem-search-utf16", () => ["mem", "search", img("memory"), "--utf16", "MARK-WIDE-alpha", "--prot", "rw"]],
  ["mem-read", () => ["mem", "read", img("memory"), "--pid", "29313", "--addr", "0x7f58bc165ff0", "--len", "40"]],
  ["mem-strings", () => ["mem", "strings", img("memory"), "--pid", "29316", "-n", "14"]],
  ["diff-same", () => ["diff", img("simple"), img("simple")]],
  ["diff-tcp", () => ["diff", img("tcp4"), img("tcp-v4mapped")]],
  ["diff-tcp-images", () => ["diff", img("tcp4"), img("tcp6"), "--images"]],
  ["diff-chain-memory", () => ["diff", chainTop, chainChanged, "--memory"]],
  [
    "redact-dry",
    () => ["redact", join(work, "memory"), "--env", "MARK_TOKEN", "--string", "MARK-HEAP-alpha", "--dry-run"],
  ],
  ["redact-dry-queues", () => ["redact", join(work, "many-fds"), "--env-all", "--tcp-queues", "--pipes", "--dry-run"]],
  ...["simple", "many-fds", "memory"].map((s) => [`verify-${s}`, () => ["verify", img(s)]] as [string, () => string[]]),
  ["verify-chain", () => ["verify", chainTop]],
  ...["tcp4", "memory"].map((s) => [`info-${s}`, () => ["info", img(s)]] as [string, () => string[]]),
  ["info-archive", () => ["info", archive]],
  ["info-image", () => ["info", join(img("many-fds"), "pipes-data.img")]],
  ["coredump", () => ["coredump", img("memory"), "-o", join(work, "cores")]],
];

const normal = (s: string) => s.replaceAll(work, "<work>").replaceAll(corpusRoot, "<corpus>");

describe("each command's text", () => {
  for (const [name, args] of CASES) {
    it(name, async () => {
      const a = args();
      const r = await runCli(a);
      const text = `$ criu-image ${a.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout.toString()}--- stderr\n${r.stderr}`;
      await expect(normal(text)).toMatchFileSnapshot(`../fixtures/cli-golden/${name}.txt`);
    });
  }
});
