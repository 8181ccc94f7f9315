/**
 * criu-image: the command-line tool. Does what crit does (same output on
 * the same images) and more. Every failure is one line on stderr and a
 * non-zero exit status: 1 for bad input, 2 for a bad command line.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { setQuiet } from "./progress.js";
import { argsProblem, report } from "./report.js";
import { UsageError } from "./usage.js";
import { VERSION } from "./version.js";

// Each command's code (and the library layers it needs) is loaded only when
// that command runs, so --version and --help start in the time of Node itself.
const commands = () => import("./commands.js");

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs gives for a command's options, typed from the option table. */
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>["values"];

interface Spec<O extends Options> {
  usage: string;
  /** One line for the command list. */
  summary: string;
  help: string;
  options: O;
  positionals: [min: number, max: number];
  run(values: Values<O>, positionals: string[]): Promise<void>;
}

/** A command whose handler sees its own options' types. */
interface Command extends Spec<Options> {}

/** Types a command's handler by its option table; the table is what parseArgs checks the command line against. */
const command = <const O extends Options>(spec: Spec<O>): Command => spec as unknown as Command;

const nameOpt: Options = { name: { type: "string" } };
const PATH_HELP = `PATH is a checkpoint folder, an archive (tar, tar.gz, tar.zst, as Podman,
CRI-O and containerd export them, or a plain tarball of a dump), such an
export extracted (checkpoint/ beside config.dump, spec.dump, …), or - for an
archive on standard input.`;

export const COMMANDS: Record<string, Command> = {
  decode: command({
    usage: "decode [-i IN] [-o OUT] [--pretty] [--name NAME]",
    summary: "an image to crit's JSON",
    help: `Convert an image to crit's JSON (stdin to stdout by default).
  -i, --in IN     image to read ("-" or absent: stdin)
  -o, --out OUT   where to write the JSON (absent: stdout, with a final newline)
  --pretty        indent 4 and show numbers as crit --pretty does
  --name NAME     the image's file name, to recognise raw images read from stdin
Raw images (pages-*, ifaddr-*, …) have no JSON form: exit 1, as crit.`,
    options: {
      in: { type: "string", short: "i" },
      out: { type: "string", short: "o" },
      pretty: { type: "boolean" },
      ...nameOpt,
    },
    positionals: [0, 0],
    run: async (v) => (await commands()).decode(v),
  }),
  encode: command({
    usage: "encode [-i IN] [-o OUT]",
    summary: "crit's JSON back to an image",
    help: `Convert crit JSON (compact or --pretty) back to an image, streaming.
  -i, --in IN     JSON to read (absent: stdin)
  -o, --out OUT   image to write, atomically (absent: stdout)
The JSON must be UTF-8; strings may hold U+DC80..U+DCFF (bytes of a path
that is not UTF-8, as decode writes them), and no other lone surrogate.`,
    options: { in: { type: "string", short: "i" }, out: { type: "string", short: "o" } },
    positionals: [0, 0],
    run: async (v) => (await commands()).encode(v),
  }),
  info: command({
    usage: "info IN [--name NAME]",
    summary: "an image's kind and entry count, or a checkpoint's summary",
    help: `For one image: its kind and number of entries, as crit info prints them
(extra payloads are not counted as entries, unlike crit). For a checkpoint
folder or archive: what it is, its CRIU images apart from its other files,
and the container it came from.`,
    options: { ...nameOpt },
    positionals: [1, 1],
    run: async (v, p) => (await import("./info.js")).info({ ...v, in: p[0] as string }),
  }),
  show: command({
    usage: "show IN [--nopl] [--name NAME]",
    summary: "an image as pretty JSON",
    help: `Print an image as pretty JSON.
  --nopl          show extra payloads by their size only`,
    options: { nopl: { type: "boolean" }, ...nameOpt },
    positionals: [1, 1],
    run: async (v, p) => (await commands()).show({ ...v, in: p[0] as string }),
  }),
  x: command({
    usage: "x PATH ps|fds|mems|rss",
    summary: "crit's explorers: process tree, files, mappings, resident pages",
    help: `Explore a checkpoint as crit x does:
  ps    the process tree       fds   open files per task
  mems  memory mappings        rss   resident pages per mapping
Zombies are listed by ps; fds, mems and rss skip them with a note on stderr.
${PATH_HELP}`,
    options: {},
    positionals: [2, 2],
    run: async (_v, p) => (await import("./explore.js")).explore({ dir: p[0] as string, what: p[1] as string }),
  }),
  "tcp list": command({
    usage: "tcp list PATH... [--json]",
    summary: "every inet socket, like ss -tuanp",
    help: `List every inet socket of a checkpoint (TCP, UDP, raw), like ss -tuanp:
addresses, state, queues, network namespace, owning pid and fd. Given
several checkpoints (a pod, a client and its server), a table for each,
then the connections whose two ends are in two of them.
  --json          an array of records (id, ino, family, state, local, remote,
                  owners, stream, ...) instead of the table; for several
                  checkpoints {checkpoints: [{path, sockets}], pairs}
${PATH_HELP}`,
    options: { json: { type: "boolean" } },
    positionals: [1, 64],
    run: async (v, p) => (await import("./tcp.js")).tcpList({ ...v, dir: p[0] as string, more: p.slice(1) }),
  }),
  "tcp rewrite": command({
    usage:
      "tcp rewrite PATH... (--addr OLD=NEW | --endpoint OLDADDR:OLDPORT=NEWADDR:NEWPORT)... [--dry-run] [--out OUT | --out-dir DIR] [--allow-unmatched] [--json]",
    summary: "move connections to new addresses and ports",
    help: `Move connections to new addresses and ports. An --addr rule applies to
every endpoint holding the address (local or remote, any socket); an
--endpoint rule to that address and port. IPv6 endpoints use brackets:
[::1]:45011. IPv4 and its v4-mapped IPv6 form match each other.
  --dry-run          report the changes, write nothing
  --out OUT          write the result to OUT and leave PATH alone: an archive
                     when OUT ends in .tar, .tar.gz, .tgz or .tar.zst, else a
                     new folder (an existing OUT is refused)
  --out-dir DIR      for several checkpoints: write each into DIR under its
                     own name (folders and archives alike), leaving them alone
  --allow-unmatched  accept rules that match no socket
  --drop-unsafe      an archive with unsafe members (absolute or escaping
                     names, links out, devices, FIFOs, conflicting
                     duplicates) is refused; this leaves them out instead
  --json             the report as JSON
Refuses, changing nothing, when rules conflict, a rule would put an IPv6
address into an AF_INET socket, or a rule matches nothing. In place (folders
only), the changed images are replaced all-or-nothing, under a lock.
Several checkpoints (a pod, a client and its server) move as one: a
connection whose other end is in another of them is no missing peer, and the
move is refused if the two ends would no longer agree; a rule needs to match
in one of them only. Everything is checked before anything is written.`,
    options: {
      addr: { type: "string", multiple: true },
      endpoint: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      out: { type: "string" },
      "out-dir": { type: "string" },
      "allow-unmatched": { type: "boolean" },
      "drop-unsafe": { type: "boolean" },
      json: { type: "boolean" },
    },
    positionals: [1, 64],
    run: async (v, p) => (await import("./tcp.js")).tcpRewrite({ ...v, dir: p[0] as string, more: p.slice(1) }),
  }),
  verify: command({
    usage: "verify PATH [--json]",
    summary: "consistency checks of a whole checkpoint",
    help: `Check a checkpoint for consistency and list every problem with its image
and entry: images parse completely; ids name fdinfo images whose entries name
files.img entries of the same type; established TCP sockets have their
tcp-stream image with queues of the announced lengths; pagemaps agree with
the size of their pages image, and pages kept in a parent dump are there; one
core per thread and one mm and ids per live task (zombies have only a core);
a sane inventory. Pre-dumps are checked as pre-dumps. Files that are not
images are notes, never failures. Exit status 1 when problems were found.
  --json          the report as JSON
${PATH_HELP}`,
    options: { json: { type: "boolean" } },
    positionals: [1, 1],
    run: async (v, p) => (await import("./verify.js")).verify({ ...v, dir: p[0] as string }),
  }),
  inspect: command({
    usage:
      "inspect PATH|- [--ps-tree] [--files] [--env] [--sockets] [--mounts] [--ns] [--stats] [--container] [--all] [--json] [--pid P]...",
    summary: "processes, files, sockets, mounts, namespaces and the container, as a tree or JSON",
    help: `Show a checkpoint as its user sees it. Without a section flag: the process
tree with each process's cmdline, read from its memory.
  --ps-tree       the process tree (default)
  --files         open files per process, with exe, cwd and root
  --env           each process's environment (from its memory)
  --sockets       inet, unix, netlink and packet sockets
  --mounts        the mount tree of each mount namespace
  --ns            network devices and addresses, hostname, IPC, id maps
  --stats         CRIU's dump statistics
  --container     the container the archive came from
  --all           everything above
  --json          one JSON object with every section (docs/inspect.md)
  --pid P         only this process (repeat for more)
An archive is read in one pass with nothing extracted; of its pages only the
bytes of each cmdline and environment are kept.
${PATH_HELP}`,
    options: {
      "ps-tree": { type: "boolean" },
      files: { type: "boolean" },
      env: { type: "boolean" },
      sockets: { type: "boolean" },
      mounts: { type: "boolean" },
      ns: { type: "boolean" },
      stats: { type: "boolean" },
      container: { type: "boolean" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      pid: { type: "string", multiple: true },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./inspect.js")).inspect({ ...v, path: p[0] as string }),
  }),
  diff: command({
    usage: "diff A B [--json] [--images] [--memory]",
    summary: "what differs between two checkpoints",
    help: `Compare two checkpoints (folders or archives). Prints nothing and exits 0
when they are the same, the differences and exit 1 when not, exit 2 on
trouble, as diff(1).
  (default)   what changed for the user: processes (cmdline, env, creds,
              state), fds, sockets (endpoints, state, sequence numbers,
              queues), VMAs, mounts, namespaces, the container
  --images    also entry by entry: which entries of which images changed
              and, per field, old -> new in crit's --pretty forms; raw
              images as changed byte ranges. Images with the same bytes
              are never decoded.
  --memory    also page by page: changed pages per VMA and address
  --json      one object: {same, semantic, images, metadata, memory}`,
    options: { json: { type: "boolean" }, images: { type: "boolean" }, memory: { type: "boolean" } },
    positionals: [2, 2],
    run: async (v, p) => (await import("./diff.js")).diff({ ...v, a: p[0] as string, b: p[1] as string }),
  }),
  mem: command({
    usage: "mem PATH [--pid P] [--json]",
    summary: "process memory: sizes per process, or one process's VMAs and page states",
    help: `Without --pid: per process, the bytes of memory dumped, kept in a parent
dump, left lazy, in shared memory, and not dumped. With --pid: the VMA table,
each VMA with its kind, protection and page states, and the pagemap its
pages are in. Page states follow CRIU's pagemap.c: only PE_PRESENT pages are
in the pages file; PE_PARENT ones are in the parent dump.
${PATH_HELP}`,
    options: { pid: { type: "string" }, json: { type: "boolean" } },
    positionals: [1, 1],
    run: async (v, p) => (await import("./mem.js")).mem({ ...v, path: p[0] as string }),
  }),
  "mem read": command({
    usage: "mem read PATH --pid P --addr ADDR --len N [--raw [--fill]] [-o FILE]",
    summary: "bytes of a process's memory, as a hexdump or raw",
    help: `Read N bytes at ADDR (0x… or decimal) of process P, through the pagemap and
the parent chain. By default a canonical hexdump (hexdump -C), with bytes
that were never dumped shown as ??; a row is collapsed into * only when its
bytes equal the row above.
  --raw         the bytes themselves; fails if any were not dumped
  --fill        with --raw: write zeros for bytes that were not dumped
  -o, --out F   write to F (atomically) instead of stdout`,
    options: {
      pid: { type: "string" },
      addr: { type: "string" },
      len: { type: "string" },
      raw: { type: "boolean" },
      fill: { type: "boolean" },
      out: { type: "string", short: "o" },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./mem.js")).memRead({ ...v, path: p[0] as string }),
  }),
  "mem search": command({
    usage:
      "mem search PATH [--pid P] (--string S | --hex HEX | --regex RE | --utf16 S) [--context N] [--vma KIND]... [--prot rwx] [--json]",
    summary: "find bytes, text or a pattern in process memory",
    help: `Search the dumped memory of every process (or P). Matches across page and
pagemap-entry boundaries are found; bytes that were never dumped are never
matched. A regex runs over the bytes as Latin-1 text.
  --string S      UTF-8 text          --utf16 S   UTF-16LE text
  --hex HEX       bytes, e.g. 4d41524b or 4d:41:52:4b
  --regex RE      a JavaScript regular expression
  --context N     bytes shown around each match (default 16)
  --vma KIND      only VMAs of this kind: stack, heap, anon, file, file-shared,
                  shared, memfd, vdso, vvar, vsyscall, sysvipc, socket, aio
  --prot rwx      only VMAs with these protections
  --json          an array of {pid, address, length, vma, context, contextStart}`,
    options: {
      pid: { type: "string" },
      string: { type: "string" },
      hex: { type: "string" },
      regex: { type: "string" },
      utf16: { type: "string" },
      context: { type: "string" },
      vma: { type: "string", multiple: true },
      prot: { type: "string" },
      json: { type: "boolean" },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./mem.js")).memSearch({ ...v, path: p[0] as string }),
  }),
  "mem strings": command({
    usage: "mem strings PATH --pid P [-n MIN] [--utf16]",
    summary: "printable strings in a process's memory, with addresses",
    help: `Like strings(1) over the dumped memory of process P: runs of at least MIN
(default 4) printable characters, each with its address.
  -n MIN       shortest string
  --utf16      UTF-16LE strings instead of ASCII`,
    options: { pid: { type: "string" }, n: { type: "string", short: "n" }, utf16: { type: "boolean" } },
    positionals: [1, 1],
    run: async (v, p) => (await import("./mem.js")).memStrings({ ...v, path: p[0] as string }),
  }),
  coredump: command({
    usage: "coredump PATH [--pid P]... [-o DIR] [--root DIR] [--json]",
    summary: "ELF core files of the processes, for gdb",
    help: `Write core.PID for each process (or each --pid), as the kernel would have
written it at dump time: every thread with its registers, the memory the
checkpoint holds (through pre-dump parents and shared memory), the file
mappings and the auxiliary vector. Open one with: gdb -c core.PID [EXECUTABLE].
  --pid P        only process P (repeatable)
  -o, --out DIR  the folder to write into (default: the current one)
  --root DIR     a copy of the dumped file system: file-backed pages the
                 checkpoint does not hold are read from it; without it they
                 are left out of the core and gdb takes them from the files
                 you give it
  --json         [{pid, file, bytes, threads, segments, zeroPages,
                 filePages, omittedPages, warnings}]
Zombies and processes without memory get no core (said on stderr). x86_64
and aarch64 only.
${PATH_HELP}`,
    options: {
      pid: { type: "string", multiple: true },
      out: { type: "string", short: "o" },
      root: { type: "string" },
      json: { type: "boolean" },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./coredump.js")).coredumpCmd({ ...v, path: p[0] as string }),
  }),
  preflight: command({
    usage: "preflight PATH [--root DIR] [--rule NAME]... [--json]",
    summary: "will it restore here? the CRIU errors a restore on this host would stop at",
    help: `Compare what the checkpoint needs with this host, rule by rule, and list
each reason CRIU's restore would fail: the image and entry it comes from,
the error CRIU would print, and what to do. Rules: files and mappings
(present, same size, build-id and mode), inet (addresses and free ports when
the checkpoint shares the host's network), pids (free when it shares the
host's pid namespace), unix (bind paths), cpu, kernel, external (what the
restore must be given: --external, --inherit-fd, --shell-job, …). A rule
whose host facts cannot be read (permissions) says "not checked", never ok.
  --root DIR     the file system the restore will see (a container's rootfs;
                 default /)
  --rule NAME    only this rule (repeatable)
  --json         {path, root (null if not given), blocked, rules: [{rule,
                 title, verdict, checked, note, findings}], restoreOptions}
Exit status 0 when nothing blocks, 1 when something does, 2 for usage.
${PATH_HELP}`,
    options: {
      root: { type: "string" },
      rule: { type: "string", multiple: true },
      json: { type: "boolean" },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./preflight.js")).preflightCmd({ ...v, path: p[0] as string }),
  }),
  redact: command({
    usage:
      "redact PATH [--env NAME]... [--env-all] [--string S]... [--regex RE]... [--no-utf16] [--tcp-queues] [--pipes] [--out OUT] [--dry-run] [--json]",
    summary: "overwrite secrets in memory, metadata, queues and files, keeping the checkpoint valid",
    help: `Overwrite secrets so the checkpoint stays valid and restorable: every byte
is replaced in place, sizes and framing unchanged.
  --env NAME      blank the value of NAME in every process's environment and
                  in the engine's metadata (spec.dump, config.dump; the name
                  and = stay; the value becomes * of the same length)
  --env-all       blank every environment value
  --string S      overwrite every occurrence of S (UTF-8 and UTF-16LE) in
                  dumped memory (shared memory included), the engine's
                  metadata, message queues and shared memory kept apart,
                  ghost files, pipe, socket and TCP queues, BPF maps
  --no-utf16      look for the UTF-8 form of --string only
  --allow-unmatched  accept a name, string or expression that matches nothing
                  (by default: exit 1, nothing written)
  --regex RE      overwrite every match (bytes read as Latin-1) in the same places
  --tcp-queues    zero the queued data of TCP connections
  --pipes         zero the data in pipes, FIFOs and unix socket queues
  --out OUT       write to OUT (a new folder, or an archive by its name);
                  without it a folder is rewritten in place, under its lock
  --dry-run       report, write nothing
  --drop-unsafe   leave out unsafe members of an archive instead of refusing
  --json          {redactions, notSearched, files, written}
Each redaction is reported by place and size, never by value; places that
are not searched (an archive's rootfs-diff.tar, raw images, names inside
images) are listed. A secret in a page kept in a parent pre-dump is refused
with the reason: redact the parent dump too.
${PATH_HELP}`,
    options: {
      env: { type: "string", multiple: true },
      "env-all": { type: "boolean" },
      string: { type: "string", multiple: true },
      regex: { type: "string", multiple: true },
      "tcp-queues": { type: "boolean" },
      pipes: { type: "boolean" },
      "no-utf16": { type: "boolean" },
      out: { type: "string" },
      "dry-run": { type: "boolean" },
      "drop-unsafe": { type: "boolean" },
      "allow-unmatched": { type: "boolean" },
      json: { type: "boolean" },
    },
    positionals: [1, 1],
    run: async (v, p) => (await import("./redact.js")).redactCmd({ ...v, path: p[0] as string }),
  }),
  recover: command({
    usage: "recover DIR",
    summary: "finish a rewrite of a checkpoint folder that was interrupted",
    help: `Finish (or undo, when it was not committed) an in-place rewrite that was
interrupted, under the folder's lock, and say what was done. Commands that
only read never do this; they report the pending rewrite instead.`,
    options: {},
    positionals: [1, 1],
    run: async (_v, p) => (await import("./recover.js")).recover({ dir: p[0] as string }),
  }),
};

/** Commands with subcommands ("tcp list"), by their first word. */
const GROUPS = [
  ...new Set(
    Object.keys(COMMANDS)
      .filter((k) => k.includes(" "))
      .map((k) => k.split(" ")[0] as string),
  ),
];

function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${(COMMANDS[n] as Command).summary}`);
  return `usage: criu-image COMMAND [ARGS]\n\ncommands:\n${lines.join("\n")}\n\n  criu-image --version\n  criu-image help COMMAND    (or criu-image COMMAND --help) for a command's options\n\nOn a terminal, work that takes more than a second shows its progress on\nstderr; --quiet (-q), with any command, turns that off.\n`;
}

function groupUsage(group: string): string {
  const subs = Object.entries(COMMANDS).filter(([k]) => k.startsWith(`${group} `));
  return `usage: criu-image ${group} SUBCOMMAND\n\n${subs.map(([, c]) => `  criu-image ${c.usage}\n      ${c.summary}`).join("\n")}\n\nRun criu-image ${group} SUBCOMMAND --help for its options.\n`;
}

const commandHelp = (c: Command) => `usage: criu-image ${c.usage}\n\n${c.help}\n`;

/** The command of this name; not Object.prototype's "constructor" or "toString". */
const find = (name: string): Command | undefined => (Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined);

/** Finds the command named by the first words of argv. */
function lookup(argv: string[]): { name: string; cmd?: Command; rest: string[] } {
  // Never empty: main handles a bare command line and a bare help first.
  const [first, second, ...more] = argv as [string, ...string[]];
  // "tcp undefined" names no command either.
  const two = find(`${first} ${second}`);
  if (two) return { name: `${first} ${second}`, cmd: two, rest: more };
  return { name: first, cmd: find(first), rest: argv.slice(1) };
}

/** Runs the CLI; returns the exit status instead of exiting, for tests. */
export async function main(args: string[]): Promise<number> {
  try {
    // --quiet (-q) goes with any command: no progress line, even on a terminal.
    const argv = args.filter((x) => x !== "--quiet" && x !== "-q");
    setQuiet(argv.length !== args.length);
    const [first] = argv;
    if (first === undefined) {
      process.stderr.write(usage());
      return 2;
    }
    if (first === "--help" || first === "-h") {
      process.stdout.write(usage());
      return 0;
    }
    if (first === "--version" || first === "-V") {
      process.stdout.write(`criu-image ${VERSION}\n`);
      return 0;
    }
    if (first === "help") {
      const topic = argv.slice(1);
      if (topic.length === 0) {
        process.stdout.write(usage());
        return 0;
      }
      const { name, cmd } = lookup(topic);
      if (cmd) process.stdout.write(commandHelp(cmd));
      else if (GROUPS.includes(name)) process.stdout.write(groupUsage(name));
      else throw new UsageError(`help: unknown command "${topic.join(" ")}"`);
      return 0;
    }
    const { name, cmd, rest } = lookup(argv);
    if (!cmd) {
      if (GROUPS.includes(name)) {
        const sub = rest[0];
        if (sub === undefined || sub === "--help" || sub === "-h") {
          (sub === undefined ? process.stderr : process.stdout).write(groupUsage(name));
          return sub === undefined ? 2 : 0;
        }
        throw new UsageError(`unknown command "${name} ${sub}"`, name);
      }
      throw new UsageError(`unknown command "${name}"`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(commandHelp(cmd));
      return 0;
    }
    let parsed: { values: Values<Options>; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${name}: ${argsProblem(e as NodeJS.ErrnoException)}`, name);
    }
    const [min, max] = cmd.positionals;
    const got = parsed.positionals.length;
    // decode and encode take no argument (their input is -i, as crit's), so a lone one was most likely meant as -i.
    if ((name === "decode" || name === "encode") && got === 1 && parsed.values.in === undefined) {
      throw new UsageError(
        `${name}: unexpected argument "${parsed.positionals[0]}"; did you mean -i ${parsed.positionals[0]}?`,
        name,
      );
    }
    if (got < min || got > max) {
      const want = min === max ? `${min} argument${min === 1 ? "" : "s"}` : `${min} to ${max} arguments`;
      throw new UsageError(`${name}: expected ${want}, got ${got}`, name);
    }
    try {
      await cmd.run(parsed.values, parsed.positionals);
    } catch (e) {
      return report(e, name);
    }
    return 0;
  } catch (e) {
    return report(e);
  }
}
