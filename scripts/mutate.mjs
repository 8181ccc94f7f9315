// npm run mutate [-- GROUP ...] [-- stryker options] [-- --report]: StrykerJS over the core,
// one group at a time (stryker.config.json holds what the groups share).
//
// A group mutates one part of the core and runs the suites that test that
// part, not all of them: on 2 cores the whole suite per mutant was estimated
// at 6 to 13 hours. A mutant those suites kill is killed by the whole suite too, so each
// score is a lower bound. Static mutants (module-level tables such as the kind
// table) are left out with --ignoreStatic: each needs a fresh module graph and
// the whole suite, and the corpus suites check every row of those tables.
// Each group keeps its own incremental file and report in bench/out/mutation/.
//
// The tests find the shared corpus relative to themselves, which Stryker's
// sandbox copy would break, so a path is passed on: that of a fresh copy of
// it for each group. A mutant that turns --dry-run or --out off makes a
// test write where it only reads; it must only ever damage that copy (one
// did write into the shared corpus before the copy was made). Files of the
// copy that changed are named after the run: a test that writes into the
// corpus under some mutant, to be pointed at a copy of its own.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI's command modules, measured as their own group (cli-commands); the rest of src/cli is the cli group. */
const CLI_COMMANDS = ["tcp", "mem", "inspect", "diff", "redact", "verify", "info", "preflight", "coredump"];

/**
 * Every suite that runs the CLI in-process (runCli or main), for both CLI groups: the dispatcher is reached
 * through each command, and each command through the dispatcher.
 */
const CLI_TESTS = [
  "test/cli/**",
  "test/real-checkpoints.test.ts",
  "test/image/encode-stream.test.ts",
  "test/node/safe-writes.test.ts",
  "test/node/extracted-export.test.ts",
  "test/node/hostile-archives.test.ts",
  "test/node/archive.test.ts",
  "test/node/out-folder.test.ts",
  "test/node/recover-links.test.ts",
  "test/node/journal-lock.test.ts",
  "test/archive/hostile-tar.test.ts",
  "test/archive/checksum.test.ts",
  "test/inspect/inspect.test.ts",
  "test/memory/memory.test.ts",
  "test/coredump/cli.test.ts",
  "test/preflight/cli.test.ts",
  "test/edit/redact-everywhere.test.ts",
  "test/edit/diff-edit-redact.test.ts",
  "test/tcp/dir.test.ts",
  "test/tcp/engine-metadata.test.ts",
  "test/tcp/together.test.ts",
  "test/verify/verify.test.ts",
  "test/verify/streaming.test.ts",
];

export const GROUPS = {
  framing: {
    mutate: ["src/framing/**/*.ts"],
    tests: ["test/framing/**", "test/image/**", "test/audit-mutants.test.ts", "test/fuzz.test.ts"],
  },
  image: {
    // The address module is the address group's, measured with its own oracles (Python's ipaddress).
    mutate: ["src/image/**/*.ts", "!src/image/address.ts"],
    tests: ["test/image/**", "test/framing/**", "test/gen-lazy/**", "test/audit-mutants.test.ts", "test/fuzz.test.ts"],
  },
  tcp: {
    mutate: ["src/tcp/**/*.ts"],
    tests: ["test/tcp/**", "test/audit-mutants.test.ts", "test/real-checkpoints.test.ts"],
  },
  node: {
    mutate: ["src/node/atomic.ts", "src/node/journal.ts", "src/node/lock.ts"],
    tests: ["test/node/**", "test/tcp/dir.test.ts", "test/edit/**"],
  },
  verify: {
    mutate: ["src/verify/**/*.ts"],
    tests: ["test/verify/**", "test/audit-mutants.test.ts", "test/real-checkpoints.test.ts", "test/fuzz.test.ts"],
  },
  "json-scalars": {
    mutate: ["src/json/base64.ts", "src/json/quopri.ts"],
    tests: ["test/json/**", "test/audit-mutants.test.ts"],
  },
  // The one address module: its parser and formatter against Python, its display rule, the rules that use it.
  address: {
    mutate: ["src/image/address.ts", "src/tcp/family-words.ts"],
    tests: [
      "test/image/address.test.ts",
      "test/json/python-diff.test.ts",
      "test/tcp/rules.test.ts",
      "test/tcp/matching.test.ts",
    ],
  },
  // The archive layer but zstd: the tar reader, member safety, paths, compression sniffing, errors.
  archive: {
    mutate: ["src/archive/*.ts"],
    tests: [
      "test/archive/tar.test.ts",
      "test/archive/tar-fields.test.ts",
      "test/archive/hostile-tar.test.ts",
      "test/archive/member-safety.test.ts",
    ],
  },
  // What changed between two checkpoints: values by path, the semantic views, pages.
  diff: {
    mutate: ["src/diff/**/*.ts"],
    tests: ["test/diff/**", "test/edit/diff-edit-redact.test.ts", "test/cli/edges.test.ts"],
  },
  // The checkpoint model: sources, members and layouts, companions, tasks.
  checkpoint: {
    mutate: ["src/checkpoint/**/*.ts"],
    tests: [
      "test/checkpoint/**",
      "test/node/extracted-export.test.ts",
      "test/node/hostile-archives.test.ts",
      "test/node/gnu-tar.test.ts",
      "test/real-checkpoints.test.ts",
      "test/memory/memory.test.ts",
    ],
  },
  // The views of inspect (processes, files, sockets, mounts, namespaces, the container).
  inspect: {
    mutate: ["src/inspect/**/*.ts"],
    tests: [
      "test/inspect/**",
      "test/real-checkpoints.test.ts",
      "test/tcp/list.test.ts",
      "test/cli/control-chars.test.ts",
    ],
  },
  // Process memory: maps, reads through parents and shared memory, search, strings, summaries.
  memory: {
    mutate: ["src/memory/**/*.ts"],
    tests: ["test/memory/**", "test/edit/redact-everywhere.test.ts", "test/diff/**"],
  },
  // Edit sessions and redact.
  edit: {
    mutate: ["src/edit/**/*.ts"],
    tests: ["test/edit/**", "test/diff/**"],
  },
  // The crit JSON renderers: entries and extras to crit's JSON text (the scalar encoders are json-scalars).
  "json-render": {
    mutate: [
      "src/json/*.ts",
      "!src/json/base64.ts",
      "!src/json/quopri.ts",
      "!src/json/from-crit.ts",
      "!src/json/from-crit-stream.ts",
      "!src/json/parse.ts",
      "!src/json/stream-convert.ts",
      "!src/json/text-edit.ts",
    ],
    tests: ["test/json/**", "test/image/**"],
  },
  // The crit JSON readers: JSON text back to entries and images, and the text edits of engine files (split from
  // json-render so that each runs in under an hour on 2 cores).
  "json-read": {
    mutate: [
      "src/json/from-crit.ts",
      "src/json/from-crit-stream.ts",
      "src/json/parse.ts",
      "src/json/stream-convert.ts",
      "src/json/text-edit.ts",
    ],
    tests: ["test/json/**", "test/image/**", "test/edit/**", "test/tcp/engine-metadata.test.ts"],
  },
  // The CLI's own machinery: argument parsing, usage, sources, progress, JSON output, exit codes (split from
  // cli-commands so that each runs in under an hour on 2 cores).
  cli: {
    // bin.ts only starts main in a process of its own, which the docs tests run and Stryker cannot switch.
    mutate: ["src/cli/**/*.ts", "!src/cli/bin.ts", ...CLI_COMMANDS.map((c) => `!src/cli/${c}.ts`)],
    tests: CLI_TESTS,
  },
  // The commands' own output: each command's text and JSON is tested beside its library.
  "cli-commands": {
    mutate: CLI_COMMANDS.map((c) => `src/cli/${c}.ts`),
    tests: CLI_TESTS,
  },
  // Preflight: the rules over (checkpoint, host facts), the build-id reader, the Node host.
  preflight: {
    mutate: ["src/preflight/**/*.ts", "src/node/host.ts"],
    tests: ["test/preflight/**"],
  },
  // Core files: ELF layout, notes, register sets, the streamed segments.
  coredump: {
    mutate: ["src/coredump/**/*.ts"],
    tests: ["test/coredump/**"],
  },
  // The zstd decoder and XXH64, against lighter fixtures (CRIU_IMAGE_MUTATE_LIGHT: smaller inputs, fewer levels).
  zstd: {
    mutate: ["src/archive/zstd/**/*.ts"],
    tests: ["test/archive/zstd.test.ts", "test/archive/zstd-frames.test.ts", "test/archive/checksum.test.ts"],
    env: { CRIU_IMAGE_MUTATE_LIGHT: "1" },
  },
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The source files a group mutates (its globs expanded; indexes and the CLI's entry point left out), which
 * vitest.mutate.config.ts loads before any test: Stryker counts a module's top-level code as covered by the test
 * that first loads it, and a table built there cannot be switched by that test, so a module loaded lazily inside a
 * test (a CLI command) would report its tables' mutants as survivors instead of static.
 */
function filesOf(globs) {
  const re = (g) =>
    new RegExp(
      `^${g
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\//g, "\0")
        .replace(/\*/g, "[^/]*")
        .replace(/\0/g, "(.*/)?")}$`,
    );
  const include = globs.filter((g) => !g.startsWith("!")).map(re);
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => re(g.slice(1)));
  return readdirSync(join(root, "src"), { recursive: true })
    .map((f) => `src/${String(f).replaceAll("\\", "/")}`)
    .filter((f) => f.endsWith(".ts") && !f.endsWith("/index.ts") && f !== "src/cli/bin.ts")
    .filter((f) => include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f)));
}
const args = process.argv.slice(2);
// Stryker's incremental mode keeps a survivor's verdict while the tests that
// covered it are unchanged, even when a new test file would now kill it.
// --retest-survivors drops survivors (and uncovered mutants) from the
// incremental file first, so they run against today's tests; killed ones are
// still reused.
const retest = args.includes("--retest-survivors");
// --retest-timeouts re-runs the mutants that timed out too: a timeout counts as detected, and a loaded machine can
// make one out of a slow test, so a score is best confirmed by re-running them on an idle one.
const retestTimeouts = args.includes("--retest-timeouts");
// Stryker also carries over the verdicts of files the group no longer mutates (its globs changed), which would
// count them in its score: they go, every run.
function prune(file, mutated, retestAlso) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, "utf8"));
  const again = new Set(retestAlso ? ["Survived", "NoCoverage", ...(retestTimeouts ? ["Timeout"] : [])] : []);
  for (const [name, f] of Object.entries(report.files)) {
    if (!mutated.has(name)) delete report.files[name];
    else f.mutants = f.mutants.filter((m) => !again.has(m.status));
  }
  writeFileSync(file, JSON.stringify(report));
}
/** Each file's (or link's) SHA-256 by its path in `dir`. */
function digests(dir) {
  const out = new Map();
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    const p = join(dir, f);
    const st = lstatSync(p);
    if (st.isFile()) out.set(f, createHash("sha256").update(readFileSync(p)).digest("hex"));
    else if (st.isSymbolicLink()) out.set(f, "link");
  }
  return out;
}
const names = args.filter((a) => Object.hasOwn(GROUPS, a));
const OURS = new Set(["--retest-survivors", "--retest-timeouts", "--report"]);
const rest = args.filter((a) => !Object.hasOwn(GROUPS, a) && !OURS.has(a));
// --report prints the scores of the last runs without running anything.
const reportOnly = args.includes("--report");
let status = 0;
for (const name of reportOnly ? [] : names.length ? names : Object.keys(GROUPS)) {
  const g = GROUPS[name];
  const corpus = mkdtempSync(join(tmpdir(), `criu-image-mutate-corpus-${name}-`));
  cpSync(process.env.CRIU_IMAGE_CORPUS ?? join(root, "..", "shared", "criu"), corpus, {
    recursive: true,
    verbatimSymlinks: true,
  });
  const before = digests(corpus);
  const env = {
    ...process.env,
    CRIU_IMAGE_CORPUS: corpus,
    CRIU_IMAGE_MUTATE_TESTS: g.tests.join(","),
    CRIU_IMAGE_MUTATE_FILES: filesOf(g.mutate).join(","),
    ...(g.env ?? {}),
  };
  const out = `bench/out/mutation/${name}`;
  prune(join(root, out, "incremental.json"), new Set(filesOf(g.mutate)), retest || retestTimeouts);
  console.log(`mutate: ${name}: ${g.mutate.join(" ")} against ${g.tests.join(" ")}`);
  const r = spawnSync(
    "npx",
    [
      "stryker",
      "run",
      "--ignoreStatic",
      "--mutate",
      [...g.mutate, "!src/**/index.ts"].join(","),
      "--incrementalFile",
      `${out}/incremental.json`,
      ...rest,
    ],
    { cwd: root, env, stdio: "inherit" },
  );
  const after = digests(corpus);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
  if (changed.length) console.log(`mutate: ${name}: tests wrote into the corpus (its copy): ${changed.join(", ")}`);
  rmSync(corpus, { recursive: true, force: true });
  status ||= r.status ?? 1;
  if (r.status === 0) cpSync(join(root, "bench/out/mutation/last"), join(root, out), { recursive: true });
}
// The score of every group that has a report (this run's or an earlier one), and of all together, as Stryker
// counts it: (killed + timed out) / (killed + timed out + survived + without coverage).
function score(report) {
  const n = { detected: 0, undetected: 0 };
  for (const f of Object.values(report.files))
    for (const m of f.mutants) {
      if (m.status === "Killed" || m.status === "Timeout") n.detected++;
      else if (m.status === "Survived" || m.status === "NoCoverage") n.undetected++;
    }
  return n;
}
// bench/mutation-scores.json (committed) keeps each group's last measured score, so --report shows every group on
// any checkout; a group's report on this machine (bench/out, not committed) replaces its record when it is newer.
const recordFile = join(root, "bench", "mutation-scores.json");
const record = existsSync(recordFile) ? JSON.parse(readFileSync(recordFile, "utf8")) : {};
const all = { detected: 0, undetected: 0 };
console.log("\nmutation score by group (this machine's bench/out/mutation/<group>/report.json, else the record):");
for (const name of Object.keys(GROUPS)) {
  const file = join(root, "bench/out/mutation", name, "report.json");
  if (existsSync(file)) {
    const measured = lstatSync(file).mtime.toISOString().slice(0, 10);
    if (!record[name] || record[name].measured <= measured)
      record[name] = { ...score(JSON.parse(readFileSync(file, "utf8"))), measured };
  }
  const n = record[name];
  if (!n) {
    console.log(`  ${name.padEnd(13)} not measured`);
    continue;
  }
  all.detected += n.detected;
  all.undetected += n.undetected;
  const pct = (100 * n.detected) / (n.detected + n.undetected);
  console.log(`  ${name.padEnd(13)} ${pct.toFixed(2)}% (${n.detected} detected, ${n.undetected} not; ${n.measured})`);
}
if (all.detected + all.undetected > 0)
  console.log(`  ${"all".padEnd(13)} ${((100 * all.detected) / (all.detected + all.undetected)).toFixed(2)}%`);
const sorted = Object.fromEntries(Object.keys(GROUPS).flatMap((g) => (record[g] ? [[g, record[g]]] : [])));
writeFileSync(recordFile, `${JSON.stringify(sorted, null, 2)}\n`);
process.exit(status);
