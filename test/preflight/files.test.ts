/**
 * The files and mappings rules on real checkpoints, against hosts built
 * from crit's JSON of the same files.img (the oracle: what CRIU saved, read
 * by crit, not by this library), then broken one way at a time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../../src/checkpoint/index.js";
import { type Finding, type PreflightReport, preflight, unknownHost } from "../../src/preflight/index.js";
import { addWorkTmpfs, corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { elfWithNote } from "../helpers/elf.js";
import { type FakeFile, fakeHost } from "../helpers/fake-host.js";

interface CritReg {
  id: number;
  name: string;
  size?: number;
  mode?: number;
  build_id?: number[];
}

function critRegs(scenario: string): CritReg[] {
  const j = JSON.parse(readFileSync(join(critDir(scenario), "files.img.json"), "utf8"));
  return j.entries.filter((e: { type: string }) => e.type === "REG").map((e: { reg: CritReg }) => e.reg);
}

const wordsToBytes = (w: number[]) => {
  const b = new Uint8Array(w.length * 4);
  w.forEach((x, i) => {
    new DataView(b.buffer).setUint32(i * 4, x, true);
  });
  return b;
};

/** Every file as CRIU saved it: same size, mode, and an ELF head with the saved build-id. */
function hostFiles(scenario: string): Map<string, FakeFile> {
  const files = new Map<string, FakeFile>();
  for (const r of critRegs(scenario)) {
    const size = r.size ?? 4096;
    const bytes = r.build_id ? elfWithNote(wordsToBytes(r.build_id), { size: Math.min(size, 4096) }) : undefined;
    files.set(r.name, { mode: r.mode ?? 0o100644, size, ...(bytes ? { bytes } : {}) });
  }
  return files;
}

const rules = ["files", "mappings"] as const;
const run = (scenario: string, files: Map<string, FakeFile>, cp = corpusCheckpoint(scenario)) =>
  preflight(cp, fakeHost(files), { rules: [...rules] });
const findings = (r: PreflightReport): Finding[] => r.rules.flatMap((x) => x.findings);

describe("files and mappings", () => {
  for (const scenario of ["simple", "memory", "many-fds", "mixed-sockets", "netns"]) {
    it(`${scenario}: nothing blocks when every file is as CRIU saved it`, async () => {
      const r = await run(scenario, hostFiles(scenario));
      expect(findings(r)).toEqual([]);
      expect(r.blocked).toBe(false);
      expect(r.rules.map((x) => x.verdict)).toEqual(["ok", "ok"]);
      // Every saved file is looked at once, but ghosts' own paths, link-remapped paths, /proc remaps and ttys.
      const remapped = new Set<string>(
        scenario === "many-fds"
          ? ["/proc/11671", "/srv/ckpt/work/many-fds/linked-a.txt", "/dev/ptmx", "/dev/pts/0"]
          : [],
      );
      const expected = critRegs(scenario).filter((e) => !remapped.has(e.name)).length;
      expect(r.rules.reduce((s, x) => s + x.checked, 0)).toBe(expected);
    });
  }

  it("a missing file blocks with CRIU's open error, in the rule of its use", async () => {
    const files = hostFiles("memory");
    files.delete("/srv/ckpt/work/memory/out.log");
    files.delete("/usr/lib/x86_64-linux-gnu/libc.so.6");
    const r = await run("memory", files);
    expect(r.blocked).toBe(true);
    const [f, m] = r.rules;
    expect(f?.findings.map((x) => [x.subject, x.criuError, x.image])).toEqual([
      [
        "/srv/ckpt/work/memory/out.log",
        "Can't open file srv/ckpt/work/memory/out.log on restore: No such file or directory",
        "files.img",
      ],
    ]);
    expect(f?.findings[0]?.problem).toContain("pid 29313 fd 1");
    expect(m?.findings.map((x) => x.criuError)).toEqual([
      "Can't open file usr/lib/x86_64-linux-gnu/libc.so.6 on restore: No such file or directory",
    ]);
    expect(m?.findings[0]?.entry).toBe("file id 0x3");
  });

  it("a size, a build-id or a mode that differ block, each with CRIU's message", async () => {
    const files = hostFiles("memory");
    const set = (p: string, f: Partial<FakeFile>) => files.set(p, { ...(files.get(p) as FakeFile), ...f });
    set("/srv/ckpt/work/memory/filemap.dat", { size: 16385 });
    set("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", {
      bytes: elfWithNote(new Uint8Array(20).fill(7), { size: 4096 }),
    });
    set("/srv/ckpt/work/memory", { mode: 0o40700 });
    set("/dev/null", { mode: 0o100666 });
    const r = await run("memory", files);
    const errors = findings(r).map((x) => x.criuError);
    expect(errors).toContain("File srv/ckpt/work/memory/filemap.dat has bad size 16385 (expect 16384)");
    expect(errors).toContain("File usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 has bad build-ID");
    expect(errors).toContain("File srv/ckpt/work/memory has bad mode 040700 (expect 040755)");
    expect(errors).toContain("File dev/null has bad mode 0100666 (expect 020666)");
    const rwx = findings(r).find((x) => x.subject === "/srv/ckpt/work/memory");
    expect(rwx?.fix).toContain("--skip-file-rwx-check");
    const type = findings(r).find((x) => x.subject === "/dev/null");
    expect(type?.fix).not.toContain("--skip-file-rwx-check");
    expect(findings(r).every((x) => x.severity === "blocks")).toBe(true);
  });

  it("a file whose head holds no build-id passes on its size, as CRIU's does", async () => {
    const files = hostFiles("memory");
    const p = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    files.set(p, { ...(files.get(p) as FakeFile), bytes: new Uint8Array(64) });
    expect(findings(await run("memory", files))).toEqual([]);
  });

  it("ghosts need their recreation name free; link-remapped files need the saved link, not their path", async () => {
    const files = hostFiles("many-fds");
    expect(files.has("/srv/ckpt/work/many-fds/ghost.bin")).toBe(true);
    files.delete("/srv/ckpt/work/many-fds/ghost.bin");
    files.delete("/srv/ckpt/work/many-fds/linked-a.txt");
    expect(findings(await run("many-fds", files))).toEqual([]);
    files.set("/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost", { mode: 0o100600, size: 3 });
    files.delete("/srv/ckpt/work/many-fds/link_remap.21");
    const f = findings(await run("many-fds", files));
    expect(f.map((x) => [x.image, x.subject, x.criuError])).toEqual([
      ["remap-fpath.img", "/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost", "Can't create ghost regfile: File exists"],
      [
        "files.img",
        "/srv/ckpt/work/many-fds/link_remap.21",
        "Can't open file srv/ckpt/work/many-fds/link_remap.21 on restore: No such file or directory",
      ],
    ]);
  });

  it("dumps before remap_type: remap_id's top bit marks a ghost, the rest is its id", async () => {
    const cp = corpusCheckpoint("many-fds");
    editImage<"REMAP_FPATH">(cp, "remap-fpath.img", (img) => {
      // /proc remaps came with remap_type: an old dump has none.
      img.entries = img.entries.filter((r) => r.remapType !== 2);
      for (const r of img.entries) {
        if (r.remapType === 1) r.remapId = (r.remapId | 0x80000000) >>> 0;
        delete (r as { remapType?: number }).remapType;
      }
    });
    const files = hostFiles("many-fds");
    files.delete("/srv/ckpt/work/many-fds/ghost.bin");
    files.delete("/srv/ckpt/work/many-fds/linked-a.txt");
    files.set("/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost", { mode: 0o100600, size: 3 });
    files.delete("/srv/ckpt/work/many-fds/link_remap.21");
    expect(findings(await run("many-fds", files, cp)).map((x) => [x.image, x.subject])).toEqual([
      ["remap-fpath.img", "/srv/ckpt/work/many-fds/ghost.bin.cr.1.ghost"],
      ["files.img", "/srv/ckpt/work/many-fds/link_remap.21"],
    ]);
  });

  it("names every kind of user of a file: fds, cwd, root, exe and mappings", async () => {
    const files = hostFiles("memory");
    files.set("/", { mode: 0o40700, size: 4096 });
    const f = findings(await run("memory", files)).find((x) => x.subject === "/");
    expect(f?.problem).toBe("mode 040700, the checkpoint expects 040755 (pid 29313 root)");
  });

  it("a task without fs, mm or fdinfo images is read for what it has", async () => {
    const cp = corpusCheckpoint("memory");
    for (const name of [...cp.keys()]) if (/^(fs|mm)-\d+\.img$/.test(name)) cp.delete(name);
    const files = hostFiles("memory");
    files.delete("/srv/ckpt/work/memory/filemap.dat");
    const f = findings(await run("memory", files, cp));
    // Without mm images nothing is known to be mapped: the file is the files rule's, used by nobody it can name.
    expect(f.map((x) => [x.rule, x.subject, x.problem])).toEqual([
      ["files", "/srv/ckpt/work/memory/filemap.dat", "missing on this host"],
    ]);
  });

  it("says not checked, never ok, when the host cannot stat", async () => {
    const r = await preflight(corpusCheckpoint("simple"), unknownHost("no permission"), { rules: [...rules] });
    expect(r.rules.map((x) => x.verdict)).toEqual(["not-checked", "not-checked"]);
    expect(findings(r).every((x) => x.severity === "not-checked" && x.problem.includes("no permission"))).toBe(true);
    expect(r.blocked).toBe(false);
  });

  it("a container's files are not checked against the host's own /; with its root named, only the root mount's", async () => {
    const { openCheckpoint } = await import("../../src/node/open.js");
    const cp: Checkpoint = await openCheckpoint(join(critDir("simple"), "../../archives/podman-web.tar"));
    const unnamed = await preflight(
      cp,
      { ...fakeHost(), fileRoot: undefined },
      { rules: ["files", "mappings", "unix"] },
    );
    expect(unnamed.rules.map((x) => x.verdict)).toEqual(["not-checked", "not-checked", "not-checked"]);
    expect(findings(unnamed)[0]?.problem).toContain("own mount namespace");
    // One finding per rule, each whole: where the root is named, and how to name it.
    expect(findings(unnamed).map((f) => ({ ...f, problem: undefined }))).toEqual(
      ["files", "mappings", "unix"].map((rule) => ({
        rule,
        severity: "not-checked",
        image: "inventory.img",
        entry: "root_ids",
        subject: "file system",
        problem: undefined,
        criuError: "",
        fix: "Give --root with the container's root file system (for Podman: podman mount <container>).",
      })),
    );
    const named = await preflight(cp, fakeHost(), { rules: ["files"] });
    const files = named.rules[0];
    expect(files?.note).toMatch(/^1 file on \/dev \(tmpfs\): CRIU restores this tmpfs/);
    expect(files?.findings.map((x) => x.subject)).toEqual(["/", "/", "/", "/"]);
    expect(files?.findings[0]?.criuError).toBe("Can't open file . on restore: No such file or directory");
  });

  it("reads regular files from reg-files.img in dumps older than files.img, alike", async () => {
    const { legacyLayout } = await import("../helpers/checkpoints.js");
    const files = hostFiles("memory");
    files.delete("/srv/ckpt/work/memory/out.log");
    const now = findings(await run("memory", files));
    const old = findings(await run("memory", files, legacyLayout(corpusCheckpoint("memory"), { regFiles: true })));
    expect(old.map((f) => [f.rule, f.subject, f.criuError, f.entry])).toEqual(
      now.map((f) => [f.rule, f.subject, f.criuError, f.entry]),
    );
    expect(old.map((f) => f.image)).toEqual(["reg-files.img"]);
    expect(now.map((f) => f.image)).toEqual(["files.img"]);
  });

  it("counts files on a mount CRIU restores itself in a note, one or many", async () => {
    const cp = corpusCheckpoint("memory");
    addWorkTmpfs(cp);
    const onTmpfs = (names: string[]) =>
      editImage<"FILES">(cp, "files.img", (img) => {
        for (const f of img.entries) if (f.reg) f.reg.mntId = names.includes(f.reg.name) ? 5 : 1;
      });
    const note = async () => (await preflight(cp, fakeHost(hostFiles("memory")), { rules: ["files"] })).rules[0]?.note;
    const why = "on /srv/ckpt/work (tmpfs): CRIU restores this tmpfs from its tmpfs-dev image";
    // The task's cwd is two entries of that name (its fd and its cwd): with the log, three files.
    onTmpfs(["/srv/ckpt/work/memory/out.log", "/srv/ckpt/work/memory"]);
    expect(await note()).toBe(`3 files ${why}`);
    onTmpfs(["/srv/ckpt/work/memory/out.log"]);
    expect(await note()).toBe(`1 file ${why}`);
    onTmpfs([]);
    expect(await note()).toBeUndefined();
  });

  it("leaves terminals to the tty rules: their paths are not looked up", async () => {
    const files = hostFiles("many-fds");
    files.delete("/dev/pts/0");
    files.delete("/dev/ptmx");
    expect(findings(await run("many-fds", files))).toEqual([]);
  });
});
