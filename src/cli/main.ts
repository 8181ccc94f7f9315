/**
 * criu-image: the command-line tool. Does what crit does (same output on
 * the same images) and more. Every failure is one line on stderr and a
 * non-zero exit status: 1 for bad input, 2 for a bad command line.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CriuImageError } from "../framing/errors.js";
import { CritJsonError } from "../json/errors.js";
import { TcpRewriteError } from "../tcp/errors.js";
import { decode, encode, explore, info, show } from "./commands.js";
import { tcpList, tcpRewrite } from "./tcp.js";
import { UsageError } from "./usage.js";
import { ProblemsFound, verify } from "./verify.js";
import { VERSION } from "./version.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface Command {
  usage: string;
  help: string;
  options: Options;
  positionals: [min: number, max: number];
  run(values: Record<string, unknown>, positionals: string[]): Promise<void>;
}

const nameOpt: Options = { name: { type: "string" } };

/** Sub-commands registered by other modules (tcp, verify, …). */
export const COMMANDS: Record<string, Command> = {
  decode: {
    usage: "decode [-i IN] [-o OUT] [--pretty] [--name NAME]",
    help: `Convert an image to crit's JSON (stdin to stdout by default).
  -i, --in IN     image to read ("-" or absent: stdin)
  -o, --out OUT   where to write the JSON (absent: stdout, with a final newline)
  --pretty        indent 4 and show numbers as crit --pretty does
  --name NAME     the image's file name, to recognise raw images read from stdin`,
    options: {
      in: { type: "string", short: "i" },
      out: { type: "string", short: "o" },
      pretty: { type: "boolean" },
      ...nameOpt,
    },
    positionals: [0, 0],
    run: (v) => decode(v as never),
  },
  encode: {
    usage: "encode [-i IN] [-o OUT]",
    help: `Convert crit JSON (compact or --pretty) back to an image.
  -i, --in IN     JSON to read (absent: stdin)
  -o, --out OUT   image to write, atomically (absent: stdout)`,
    options: { in: { type: "string", short: "i" }, out: { type: "string", short: "o" } },
    positionals: [0, 0],
    run: (v) => encode(v as never),
  },
  info: {
    usage: "info IN [--name NAME]",
    help: `Print an image's kind and number of entries, as crit info does
(extra payloads are not counted as entries, unlike crit).`,
    options: { ...nameOpt },
    positionals: [1, 1],
    run: (v, p) => info({ ...(v as object), in: p[0] as string }),
  },
  show: {
    usage: "show IN [--nopl] [--name NAME]",
    help: `Print an image as pretty JSON.
  --nopl          show extra payloads by their size only`,
    options: { nopl: { type: "boolean" }, ...nameOpt },
    positionals: [1, 1],
    run: (v, p) => show({ ...(v as object), in: p[0] as string }),
  },
  "tcp list": {
    usage: "tcp list DIR [--json]",
    help: `List every inet socket of a checkpoint (TCP, UDP, raw), like ss -tuanp:
addresses, state, queues, network namespace, owning pid and fd.
  --json          an array of records (id, ino, family, state, local, remote,
                  owners, stream, ...) instead of the table`,
    options: { json: { type: "boolean" } },
    positionals: [1, 1],
    run: (v, p) => tcpList({ ...(v as object), dir: p[0] as string }),
  },
  "tcp rewrite": {
    usage:
      "tcp rewrite DIR (--addr OLD=NEW | --endpoint OLDADDR:OLDPORT=NEWADDR:NEWPORT)... [--dry-run] [--out DIR2] [--allow-unmatched] [--json]",
    help: `Move connections to new addresses and ports. An --addr rule applies to
every endpoint holding the address (local or remote, any socket); an
--endpoint rule to that address and port. IPv6 endpoints use brackets:
[::1]:45011. IPv4 and its v4-mapped IPv6 form match each other.
  --dry-run          report the changes, write nothing
  --out DIR2         write the rewritten checkpoint to DIR2, leave DIR alone
  --allow-unmatched  accept rules that match no socket
  --json             the report as JSON
Refuses, changing nothing, when rules conflict, a rule would put an IPv6
address into an AF_INET socket, or a rule matches nothing. In place, the
changed images are replaced all-or-nothing.`,
    options: {
      addr: { type: "string", multiple: true },
      endpoint: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      out: { type: "string" },
      "allow-unmatched": { type: "boolean" },
      json: { type: "boolean" },
    },
    positionals: [1, 1],
    run: (v, p) => tcpRewrite({ ...(v as object), dir: p[0] as string }),
  },
  verify: {
    usage: "verify DIR [--json]",
    help: `Check a checkpoint for consistency and list every problem with its image
and entry: images parse completely; ids name fdinfo images whose entries name
files.img entries of the same type; established TCP sockets have their
tcp-stream image with queues of the announced lengths; pagemaps agree with
the size of their pages image; one core per thread and one mm and ids per
task; a sane inventory. Exit status 1 when problems were found.
  --json          the problems as JSON`,
    options: { json: { type: "boolean" } },
    positionals: [1, 1],
    run: (v, p) => verify({ ...(v as object), dir: p[0] as string }),
  },
  x: {
    usage: "x DIR ps|fds|mems|rss",
    help: `Explore a checkpoint directory as crit x does:
  ps    the process tree       fds   open files per task
  mems  memory mappings        rss   resident pages per mapping`,
    options: {},
    positionals: [2, 2],
    run: (_v, p) => explore({ dir: p[0] as string, what: p[1] as string }),
  },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  criu-image ${c.usage}`);
  return `usage:\n${lines.join("\n")}\n  criu-image --version\n\nRun criu-image COMMAND --help for a command's options.\n`;
}

/** Runs the CLI; returns the exit status instead of exiting, for tests. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      process.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-V") {
      process.stdout.write(`criu-image ${VERSION}\n`);
      return 0;
    }
    // Two-word commands ("tcp list") are looked up with their second word.
    const two = rest[0] !== undefined ? COMMANDS[`${name} ${rest[0]}`] : undefined;
    const cmdName = two ? `${name} ${rest.shift()}` : name;
    const cmd = two ?? COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command "${name}${name === "tcp" ? ` ${rest[0] ?? ""}`.trimEnd() : ""}"`);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`usage: criu-image ${cmd.usage}\n\n${cmd.help}\n`);
      return 0;
    }
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${cmdName}: ${(e as Error).message}`);
    }
    const [min, max] = cmd.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        `${name}: expected ${min === max ? min : `${min} to ${max}`} argument(s); usage: criu-image ${cmd.usage}`,
      );
    }
    await cmd.run(parsed.values, parsed.positionals);
    return 0;
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  // The report is already on stdout; only the status says it.
  if (e instanceof ProblemsFound) return 1;
  if (e instanceof UsageError) {
    process.stderr.write(`criu-image: ${e.message}\n${usage()}`);
    return 2;
  }
  if (e instanceof CriuImageError || e instanceof CritJsonError || e instanceof TcpRewriteError) {
    process.stderr.write(`criu-image: ${e.message}\n`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EPIPE") return 0;
  if (err?.code && err.path) {
    process.stderr.write(
      `criu-image: ${err.path}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}\n`,
    );
    return 1;
  }
  process.stderr.write(`criu-image: ${err?.message ?? String(e)}\n`);
  return 1;
}
