/**
 * The CLI's dispatcher on its own: the command list, help for a command and
 * for a group, the version, each kind of command-line mistake in its exact
 * words, and how each kind of failure becomes one line and an exit status.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../../src/cli/main.js";
import { argsProblem, report } from "../../src/cli/report.js";
import { VERSION } from "../../src/cli/version.js";
import { pendingRewrite } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-main-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tcp4 = join(corpusRoot, "images", "tcp4");
const see = (command?: string) => `see criu-image ${command ? `${command} ` : ""}--help\n`;

describe("the command list", () => {
  it("goes to stderr with status 2 when no command is given, to stdout with 0 when asked for", async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout.length).toBe(0);
    const text = bare.stderr;
    expect(text.startsWith("usage: criu-image COMMAND [ARGS]\n\ncommands:\n")).toBe(true);
    expect(text).toContain("\n  criu-image --version\n  criu-image help COMMAND ");
    expect(text.endsWith("--quiet (-q), with any command, turns that off.\n")).toBe(true);
    for (const asked of [["--help"], ["-h"], ["help"], ["-q", "help"]]) {
      const r = await runCli(asked);
      expect([r.code, r.stderr, r.stdout.toString()], asked.join(" ")).toEqual([0, "", text]);
    }
  });

  it("names every command once, with its summary in one column after the longest name", async () => {
    const text = (await runCli(["--help"])).stdout.toString();
    const names = Object.keys(COMMANDS);
    const column = Math.max(...names.map((n) => n.length)) + 4;
    const listed = text.split("\n\n")[1]?.split("\n").slice(1) ?? [];
    expect(listed).toHaveLength(names.length);
    for (const [i, line] of listed.entries()) {
      const name = names[i] as string;
      expect(line.startsWith(`  ${name} `), line).toBe(true);
      // Every summary starts in the same column, after two spaces at least.
      expect(line.slice(column), line).toBe(COMMANDS[name]?.summary);
      expect(line.slice(2 + name.length, column).trim(), line).toBe("");
    }
  });

  it("--version and -V print the version alone", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, `criu-image ${VERSION}\n`, ""]);
    }
  });
});

describe("help for a group and a command", () => {
  const tcpSubs = Object.keys(COMMANDS).filter((k) => k.startsWith("tcp "));

  it("lists a group's subcommands, each usage with its summary, and no other command", async () => {
    const text = (await runCli(["help", "tcp"])).stdout.toString();
    expect(tcpSubs.length).toBeGreaterThan(1);
    expect(text).toBe(
      `usage: criu-image tcp SUBCOMMAND\n\n${tcpSubs
        .map((k) => `  criu-image ${COMMANDS[k]?.usage}\n      ${COMMANDS[k]?.summary}`)
        .join("\n")}\n\nRun criu-image tcp SUBCOMMAND --help for its options.\n`,
    );
    for (const [flag, code] of [
      ["--help", 0],
      ["-h", 0],
    ] as const) {
      const r = await runCli(["tcp", flag]);
      expect([r.code, r.stdout.toString(), r.stderr]).toEqual([code, text, ""]);
    }
    const bare = await runCli(["tcp"]);
    expect([bare.code, bare.stdout.length, bare.stderr]).toEqual([2, 0, text]);
  });

  it("a command's help, by help NAME, --help or -h anywhere after the name", async () => {
    const help = `usage: criu-image ${COMMANDS.info?.usage}\n\n${COMMANDS.info?.help}\n`;
    for (const args of [
      ["help", "info"],
      ["info", "--help"],
      ["info", "x", "-h"],
      ["info", "--name", "n", "--help"],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stdout.toString(), r.stderr], args.join(" ")).toEqual([0, help, ""]);
    }
    const sub = await runCli(["help", "tcp", "list"]);
    expect(sub.stdout.toString()).toBe(
      `usage: criu-image ${COMMANDS["tcp list"]?.usage}\n\n${COMMANDS["tcp list"]?.help}\n`,
    );
  });
});

describe("command-line mistakes: one line, a pointer to the help, status 2", () => {
  const mistakes: [args: string[], line: string, command?: string][] = [
    [["nope"], 'unknown command "nope"'],
    [["help", "nope"], 'help: unknown command "nope"'],
    [["help", "nope", "more"], 'help: unknown command "nope more"'],
    // Names an object has without being given them are no commands.
    [["constructor"], 'unknown command "constructor"'],
    [["help", "toString"], 'help: unknown command "toString"'],
    [["tcp", "nope"], 'unknown command "tcp nope"', "tcp"],
    [["info"], "info: expected 1 argument, got 0", "info"],
    [["x", "a"], "x: expected 2 arguments, got 1", "x"],
    [["decode", "a", "b"], "decode: expected 0 arguments, got 2", "decode"],
    [["decode", "-i", "a", "b"], "decode: expected 0 arguments, got 1", "decode"],
    [["decode", "a.img"], 'decode: unexpected argument "a.img"; did you mean -i a.img?', "decode"],
    [["encode", "a.json"], 'encode: unexpected argument "a.json"; did you mean -i a.json?', "encode"],
    [["tcp", "list"], "tcp list: expected 1 to 64 arguments, got 0", "tcp list"],
    [["info", "x", "--bogus"], "info: unknown option --bogus", "info"],
    [["info", "x", "-Z"], "info: unknown option -Z", "info"],
    [["decode", "-i"], "decode: option -i needs a value", "decode"],
    [["info", "x", "--name"], "info: option --name needs a value", "info"],
    [["tcp", "list", "x", "--json=yes"], "tcp list: option --json takes no value", "tcp list"],
    [["x", tcp4, "pstree"], 'x: unknown explorer "pstree" (choose ps, fds, mems, rss)', "x"],
  ];
  for (const [args, line, command] of mistakes) {
    it(args.join(" "), async () => {
      const r = await runCli(args);
      expect([r.code, r.stdout.length, r.stderr]).toEqual([2, 0, `criu-image: ${line}\n${see(command)}`]);
    });
  }
});

describe("failures: one line each, and the status the command gives them", () => {
  it("an image error names the image; diff gives 2 for trouble, as diff(1), and the others 1", async () => {
    const missing = join(work, "none");
    const info = await runCli(["info", missing]);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(new RegExp(`^criu-image: ${missing}\\b.*\n$`));
    const diff = await runCli(["diff", missing, tcp4]);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toMatch(new RegExp(`^criu-image: ${missing}\\b.*\n$`));
  });

  it("a refused rewrite lists its reasons, one per line, and says nothing changed", async () => {
    const r = await runCli([
      "tcp",
      "rewrite",
      tcp4,
      ...["--addr", "10.99.0.1=10.0.0.2", "--addr", "10.99.0.3=10.0.0.4", "--dry-run"],
    ]);
    expect(r.code).toBe(1);
    const [head, ...reasons] = r.stderr.split("\n");
    expect(head).toBe("criu-image: refused, nothing was changed:");
    expect(reasons.at(-1)).toBe("");
    expect(reasons.length).toBeGreaterThan(2);
    for (const reason of reasons.slice(0, -1)) expect(reason).toMatch(/^ {2}\S/);
  });

  it("nothing matched: the selector's line, status 1, no pointer to the help", async () => {
    const r = await runCli(["mem", "search", tcp4, "--string", "no such text anywhere in tcp4, surely"]);
    expect([r.code, r.stderr]).toEqual([1, "criu-image: no match\n"]);
  });

  it("a file system error names its path, a missing one in words; a thrown value that is no error is said as it is", () => {
    const told: string[] = [];
    const e = vi.spyOn(process.stderr, "write").mockImplementation(((c: string) => told.push(c)) as never);
    const errno = (code: string, message: string, path?: string) =>
      Object.assign(new Error(message), { code }, path === undefined ? {} : { path });
    try {
      expect(report(errno("ENOENT", "ENOENT: no such file or directory, open '/x/y'", "/x/y"))).toBe(1);
      expect(report(errno("EIO", "EIO: i/o error, read", "/dev/sdz"), "diff")).toBe(2);
      expect(report(errno("EIO", "EIO: i/o error, read"))).toBe(1);
      expect(report(errno("EPIPE", "write EPIPE", "/dev/stdout"))).toBe(0);
      expect(report("a string")).toBe(1);
      expect(report(undefined, "diff")).toBe(2);
    } finally {
      e.mockRestore();
    }
    expect(told).toEqual([
      "criu-image: /x/y: no such file or folder\n",
      "criu-image: /dev/sdz: EIO: i/o error, read\n",
      "criu-image: EIO: i/o error, read\n",
      "criu-image: a string\n",
      "criu-image: undefined\n",
    ]);
  });

  it("a refusal of parseArgs that names no option is given by its first line", () => {
    const e = Object.assign(new Error("something new\nand a second line"), {
      code: "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
    });
    expect(argsProblem(e)).toBe("something new");
    expect(argsProblem(Object.assign(new Error("Unknown option 'x'"), { code: "ERR_PARSE_ARGS_UNKNOWN_OPTION" }))).toBe(
      "Unknown option 'x'",
    );
  });

  it("a closed stdout (EPIPE) ends the command quietly with status 0", async () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    const w = vi.spyOn(process.stdout, "write").mockImplementation(() => {
      throw epipe;
    });
    const { main } = await import("../../src/cli/main.js");
    const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["decode", "-i", join(tcp4, "inventory.img")])).toBe(0);
      expect(e).not.toHaveBeenCalled();
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
  });

  it("any other error: its message, status 1", async () => {
    const w = vi.spyOn(process.stdout, "write").mockImplementation(() => {
      throw new TypeError("the terminal went away");
    });
    const { main } = await import("../../src/cli/main.js");
    let err = "";
    const e = vi.spyOn(process.stderr, "write").mockImplementation(((c: string) => {
      err += c;
      return true;
    }) as never);
    try {
      expect(await main(["decode", "-i", join(tcp4, "inventory.img")])).toBe(1);
      expect(err).toBe("criu-image: the terminal went away\n");
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
  });
});

describe("recover", () => {
  it("says there was nothing to recover, or each file it finished, one line each", async () => {
    const dir = join(work, "recover");
    cpSync(tcp4, dir, { recursive: true });
    const none = await runCli(["recover", dir]);
    expect([none.code, none.stdout.toString(), none.stderr]).toEqual([0, `${dir}: nothing to recover\n`, ""]);
    // A committed rewrite of two images, interrupted before its renames (the new bytes are the old ones here).
    pendingRewrite(dir, ["files.img", "inventory.img"]);
    const done = await runCli(["recover", dir]);
    expect(done.code).toBe(0);
    expect(done.stdout.toString()).toBe(
      [
        `${dir}: completed the new files.img`,
        `${dir}: completed the new inventory.img`,
        `${dir}: removed the finished journal`,
        "",
      ].join("\n"),
    );
  });
});

describe("what opening a checkpoint noticed", () => {
  it("a pending rewrite is said on stderr by the commands that read through it, other notes are not", async () => {
    const dir = join(work, "noticed");
    cpSync(tcp4, dir, { recursive: true });
    symlinkSync(join(work, "nowhere"), join(dir, "dangling"));
    pendingRewrite(dir, ["inventory.img"]);
    const x = await runCli(["x", dir, "ps"]);
    expect(x.code).toBe(0);
    const lines = x.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^criu-image: ${dir}: an interrupted rewrite is pending; .*criu-image recover`),
    );
    // inspect reports the notes itself, in its output: nothing on stderr.
    const inspect = await runCli(["inspect", dir, "--json"]);
    expect([inspect.code, inspect.stderr]).toEqual([0, ""]);
  });
});

describe("show and decode's outputs", () => {
  const image = join(corpusRoot, "images", "many-fds", "pipes-data.img");
  const golden = (suffix: string) =>
    readFileSync(join(corpusRoot, "crit", "many-fds", `pipes-data.img${suffix}`), "utf8").trimEnd();

  it("show is crit's pretty JSON on stdout; --nopl is crit show --nopl's", async () => {
    const show = await runCli(["show", image]);
    expect(show.code).toBe(0);
    expect(show.stdout.toString()).toBe(`${golden(".pretty.json")}\n`);
    const nopl = await runCli(["show", image, "--nopl"]);
    const fixture = readFileSync(
      join(import.meta.dirname, "../fixtures/crit-nopl/many-fds-pipes-data.img.json"),
      "utf8",
    );
    expect(nopl.stdout.toString().trimEnd()).toBe(fixture.trimEnd());
  });

  it("decode writes to stdout without -o or with -o -, the same text", async () => {
    const plain = await runCli(["decode", "-i", image]);
    expect(plain.stdout.toString()).toBe(`${golden(".json")}\n`);
    // crit ends the JSON with a newline on stdout, whichever way it is named.
    const dash = await runCli(["decode", "-i", image, "-o", "-"]);
    expect(dash.stdout.toString()).toBe(plain.stdout.toString());
    const file = join(work, "pipes.json");
    await runCli(["decode", "-i", image, "-o", file]);
    expect(readFileSync(file, "utf8")).toBe(golden(".json"));
  });

  it("encode names the image by its input, less a final .json, in its errors", async () => {
    for (const [file, name] of [
      ["pipes-data.img.json", "pipes-data.img"],
      ["pipes-data.json.img", "pipes-data.json.img"],
    ] as const) {
      const path = join(work, file);
      // bytes is required: the writer refuses the entry, naming the image.
      writeFileSync(path, '{"magic": "PIPES_DATA", "entries": [{"pipe_id": 1}]}');
      const r = await runCli(["encode", "-i", path, "-o", join(work, "out.img")]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(new RegExp(`^criu-image: ${name.replaceAll(".", "\\.")}: `));
    }
  });
});
