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
import { pendingRewrite } from "../helpers/checkpoints.js";
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
  for (const sc of ["tcp4", "tcp6", "memory", "many-fds"]) cpSync(img(sc), join(work, sc), { recursive: true });
  cpSync(img("tcp4"), join(work, "in-place"), { recursive: true });
  // A folder of one image: neither a dump nor a pre-dump.
  mkdirSync(join(work, "one-image"));
  cpSync(join(img("tcp4"), "files.img"), join(work, "one-image", "files.img"));
  // A rewrite interrupted after its commit: the next writer finishes it first, readers say it is pending.
  for (const d of ["pending-rewrite", "pending-read"]) {
    cpSync(img("memory"), join(work, d), { recursive: true });
    pendingRewrite(join(work, d), ["inventory.img"]);
  }
  cpSync(img("tcp4"), join(work, "many-a"), { recursive: true });
  cpSync(img("tcp-v4mapped"), join(work, "many-b"), { recursive: true });
  // Never written: the dry runs, --out-dir and the refusals read it.
  cpSync(img("tcp-v4mapped"), join(work, "v4m"), { recursive: true });
  // An established socket's stream missing, and a file that is no image.
  cpSync(img("tcp4"), join(work, "broken"), { recursive: true });
  rmSync(join(work, "broken", "tcp-stream-50cf3.img"));
  writeFileSync(join(work, "broken", "notes.txt"), "not an image\n");
});

/** tcp4 and tcp-v4mapped (copies, never written) moved together by one rule, then `extra`. */
const moveTwo = (...extra: string[]) => [
  "tcp",
  "rewrite",
  join(work, "tcp4"),
  join(work, "v4m"),
  "--addr",
  "127.0.0.2=10.0.0.2",
  ...extra,
];

/** A file name for the case, its command line, and what stdin holds (nothing when not given). */
const CASES: [name: string, args: () => string[], stdin?: () => Uint8Array][] = [
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
  // JSON, where the command assembles it itself.
  ["tcp-list-json-two", () => ["tcp", "list", img("tcp4"), img("mixed-sockets"), "--json"]],
  [
    "tcp-rewrite-dry-json",
    () => ["tcp", "rewrite", join(work, "tcp4"), "--addr", "127.0.0.2=10.0.0.2", "--dry-run", "--json"],
  ],
  ["mem-json", () => ["mem", img("memory"), "--json"]],
  ["mem-search-json-none", () => ["mem", "search", img("memory"), "--string", "no such bytes", "--json"]],
  ["diff-json", () => ["diff", img("tcp4"), img("tcp-v4mapped"), "--json"]],
  ["diff-chain-json", () => ["diff", chainTop, chainChanged, "--memory", "--json"]],
  ["redact-dry-json", () => ["redact", join(work, "memory"), "--env", "MARK_TOKEN", "--dry-run", "--json"]],
  ["verify-json", () => ["verify", img("tcp4"), "--json"]],
  ["coredump-json", () => ["coredump", img("memory"), "--pid", "29316", "-o", join(work, "cores"), "--json"]],
  // Sections one at a time, and the default.
  ["inspect-default", () => ["inspect", img("simple")]],
  ["inspect-sockets", () => ["inspect", img("mixed-sockets"), "--sockets"]],
  ["inspect-mounts", () => ["inspect", img("netns"), "--mounts"]],
  ["inspect-ns", () => ["inspect", img("netns"), "--ns"]],
  ["inspect-stats", () => ["inspect", img("tcp4"), "--stats", "--ps-tree"]],
  ["inspect-container", () => ["inspect", archive, "--container"]],
  ["inspect-files", () => ["inspect", img("many-fds"), "--files"]],
  // Other rewrites and their refusals.
  [
    "tcp-rewrite-endpoint",
    () => ["tcp", "rewrite", join(work, "tcp4"), "--endpoint", "127.0.0.2:45002=10.0.0.2:45102", "--dry-run"],
  ],
  [
    "tcp-rewrite-v6",
    () => ["tcp", "rewrite", join(work, "tcp6"), "--addr", "::1=fd00::1", "--out", join(work, "tcp6-out")],
  ],
  ["tcp-rewrite-unmatched", () => ["tcp", "rewrite", join(work, "tcp4"), "--addr", "10.9.9.9=10.0.0.1", "--dry-run"]],
  [
    "tcp-rewrite-allow-unmatched",
    () => [
      "tcp",
      "rewrite",
      join(work, "tcp4"),
      "--addr",
      "10.9.9.9=10.0.0.1",
      "--addr",
      "127.0.0.2=10.0.0.2",
      "--allow-unmatched",
      "--dry-run",
    ],
  ],
  ["tcp-rewrite-archive-in-place", () => ["tcp", "rewrite", archive, "--addr", "10.88.0.10=10.89.0.10"]],
  [
    "tcp-rewrite-out-dir-one",
    () => ["tcp", "rewrite", join(work, "tcp4"), "--addr", "127.0.0.2=10.0.0.2", "--out-dir", join(work, "outs")],
  ],
  ["tcp-rewrite-two-out-dir", () => moveTwo("--out-dir", join(work, "outs"))],
  // The commands' own refusals.
  ["mem-search-mistakes", () => ["mem", "search", img("memory"), "--hex", "4g"]],
  ["mem-search-vma", () => ["mem", "search", img("memory"), "--string", "x", "--vma", "brain"]],
  ["mem-search-prot", () => ["mem", "search", img("memory"), "--string", "x", "--prot", "rq"]],
  ["mem-search-context", () => ["mem", "search", img("memory"), "--string", "x", "--context", "-1"]],
  ["mem-search-two", () => ["mem", "search", img("memory"), "--string", "x", "--utf16", "y"]],
  ["mem-search-regex-bad", () => ["mem", "search", img("memory"), "--regex", "("]],
  ["mem-search-pid-missing", () => ["mem", "search", img("memory"), "--pid", "1", "--string", "x"]],
  ["mem-read-outside", () => ["mem", "read", img("memory"), "--pid", "29313", "--addr", "0x10", "--len", "16"]],
  ["mem-read-bad-addr", () => ["mem", "read", img("memory"), "--pid", "29313", "--addr", "zz", "--len", "16"]],
  ["mem-strings-utf16", () => ["mem", "strings", img("memory"), "--pid", "29313", "--utf16", "-n", "6"]],
  ["mem-pid-bad", () => ["mem", img("memory"), "--pid", "x"]],
  ["inspect-pid-missing", () => ["inspect", img("memory"), "--pid", "1", "--pid", "29313"]],
  ["inspect-pid-bad", () => ["inspect", img("memory"), "--pid", "1x"]],
  ["coredump-pid-missing", () => ["coredump", img("memory"), "--pid", "7", "-o", join(work, "cores")]],
  ["redact-nothing", () => ["redact", join(work, "memory"), "--env", "NO_SUCH_NAME", "--dry-run"]],
  ["redact-no-rule", () => ["redact", join(work, "memory")]],
  ["redact-empty-string", () => ["redact", join(work, "memory"), "--string", ""]],
  ["redact-bad-regex", () => ["redact", join(work, "memory"), "--regex", "a["]],
  [
    "redact-regex-utf8-out",
    () => [
      "redact",
      join(work, "memory"),
      "--regex",
      "MARK-[A-Z]+-alpha",
      "--no-utf16",
      "--out",
      join(work, "redacted"),
    ],
  ],
  ["redact-in-place-json", () => ["redact", join(work, "many-fds"), "--pipes", "--json"]],
  ["redact-in-place", () => ["redact", join(work, "memory"), "--string", "MARK-HEAP-alpha"]],
  ["info-raw", () => ["info", join(img("memory"), "pages-1.img")]],
  ["info-stdin", () => ["info", "-"], () => readFileSync(join(img("tcp4"), "files.img"))],
  [
    "info-stdin-raw-named",
    () => ["info", "-", "--name", "pages-9.img"],
    () => readFileSync(join(img("memory"), "pages-1.img")),
  ],
  ["info-stdin-archive", () => ["info", "-"], () => readFileSync(archive)],
  [
    "coredump-root",
    () => ["coredump", img("memory"), "--pid", "29316", "-o", join(work, "cores"), "--root", join(work, "cores")],
  ],
  ["coredump-pid-bad", () => ["coredump", img("memory"), "--pid", "x"]],
  ["verify-broken", () => ["verify", join(work, "broken")]],
  ["verify-broken-json", () => ["verify", join(work, "broken"), "--json"]],
  ["verify-predump", () => ["verify", join(work, "chain-a", "1")]],
  [
    "tcp-rewrite-several-in-place",
    () => ["tcp", "rewrite", join(work, "many-a"), join(work, "many-b"), "--addr", "127.0.0.2=10.0.0.2"],
  ],
  ["tcp-rewrite-several-dry-json", () => moveTwo("--dry-run", "--json")],
  [
    "tcp-rewrite-several-archive",
    () => ["tcp", "rewrite", join(work, "tcp4"), join(work, "v4m"), archive, "--addr", "127.0.0.2=10.0.0.2"],
  ],
  [
    "tcp-rewrite-several-stdin",
    () => ["tcp", "rewrite", join(work, "tcp4"), "-", "--addr", "127.0.0.2=10.0.0.2", "--dry-run"],
  ],
  [
    "tcp-rewrite-several-out",
    () => [
      "tcp",
      "rewrite",
      join(work, "tcp4"),
      join(work, "many-b"),
      "--addr",
      "127.0.0.2=10.0.0.2",
      "--out",
      join(work, "x"),
    ],
  ],
  ["tcp-rewrite-no-rule", () => ["tcp", "rewrite", join(work, "tcp4")]],
  ["tcp-rewrite-bad-rule", () => ["tcp", "rewrite", join(work, "tcp4"), "--addr", "1.2.3=4.5.6.7"]],
  [
    "tcp-rewrite-stdin-dry",
    () => ["tcp", "rewrite", "-", "--addr", "10.88.0.10=10.89.0.10", "--dry-run"],
    () => readFileSync(archive),
  ],
  [
    "tcp-rewrite-stdin-out",
    () => ["tcp", "rewrite", "-", "--addr", "10.88.0.10=10.89.0.10", "--out", join(work, "from-stdin.tar")],
    () => readFileSync(archive),
  ],
  ["redact-stdin-dry", () => ["redact", "-", "--env", "GREETING", "--dry-run"], () => readFileSync(archive)],
  ["tcp-list-json", () => ["tcp", "list", img("tcp6"), "--json"]],
  ["tcp-list-json-none", () => ["tcp", "list", img("simple"), "--json"]],
  ["tcp-list-none", () => ["tcp", "list", img("simple")]],
  ["redact-after-interrupted", () => ["redact", join(work, "pending-rewrite"), "--env", "MARK_TOKEN"]],
  ["mem-pending", () => ["mem", join(work, "pending-read")]],
  ["verify-pending", () => ["verify", join(work, "pending-read")]],
  ["verify-images", () => ["verify", join(work, "one-image")]],
  ["diff-pending", () => ["diff", join(work, "pending-read"), img("memory")]],
  ["tcp-rewrite-in-place", () => ["tcp", "rewrite", join(work, "in-place"), "--addr", "127.0.0.2=10.0.0.2"]],
  [
    "tcp-rewrite-stdin-in-place",
    () => ["tcp", "rewrite", "-", "--addr", "10.88.0.10=10.89.0.10"],
    () => readFileSync(archive),
  ],
  [
    "tcp-rewrite-several-dry-archive",
    () => ["tcp", "rewrite", join(work, "tcp4"), archive, "--addr", "127.0.0.2=10.0.0.2", "--dry-run"],
  ],
  ["tcp-list-json-self-pair", () => ["tcp", "list", img("tcp4"), join(work, "tcp4"), "--json"]],
  ["redact-tcp-queues", () => ["redact", join(work, "tcp4"), "--tcp-queues", "--dry-run"]],
  [
    "redact-allow-unmatched",
    () => ["redact", join(work, "memory"), "--env", "NO_SUCH_NAME", "--allow-unmatched", "--dry-run"],
  ],
  ["coredump-pid-digits", () => ["coredump", img("memory"), "--pid", "1x"]],
  ["inspect-pid-digits", () => ["inspect", img("memory"), "--pid", "x1"]],
  [
    "mem-predump",
    () => ["mem", "read", join(work, "chain-a", "1"), "--pid", "188", "--addr", "0x55dba4ce22a8", "--len", "16"],
  ],
  [
    "mem-read-decimal",
    () => ["mem", "read", img("memory"), "--pid", "29313", "--addr", "93841411920552", "--len", "15"],
  ],
  ["inspect-archive-default", () => ["inspect", archive]],
  ["inspect-predump-pid", () => ["inspect", join(work, "chain-a", "1"), "--pid", "1"]],
  ["inspect-notes", () => ["inspect", join(work, "pending-read"), "--stats"]],
  ["mem-search-pending", () => ["mem", "search", join(work, "pending-read"), "--string", "MARK-HEAP-alpha"]],
];

const normal = (s: string) => s.replaceAll(work, "<work>").replaceAll(corpusRoot, "<corpus>");

describe("each command's text", () => {
  for (const [name, args, stdin] of CASES) {
    it(name, async () => {
      const a = args();
      const r = await runCli(a, stdin?.());
      const text = `$ criu-image ${a.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout.toString()}--- stderr\n${r.stderr}`;
      await expect(normal(text)).toMatchFileSnapshot(`../fixtures/cli-golden/${name}.txt`);
    });
  }
});
