/**
 * Real checkpoints as they come: zombies, files that are not images,
 * pre-dump chains, plain tarballs, engine archives. Built from CRIU's rules
 * (zombies) or taken from the shared corpus (chains, Podman exports).
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memorySource } from "../src/checkpoint/index.js";
import { openCheckpoint } from "../src/node/index.js";
import { listConnections } from "../src/tcp/index.js";
import { verifyCheckpoint } from "../src/verify/index.js";
import { corpusCheckpoint } from "./helpers/checkpoints.js";
import { runCli } from "./helpers/cli.js";
import { corpusRoot } from "./helpers/corpus.js";
import { makeTar } from "./helpers/tar.js";
import { withZombie, ZOMBIE_PID } from "./helpers/zombie.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-real-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const chain = join(corpusRoot, "chains", "images", "predump");
const archives = join(corpusRoot, "archives");
const sizesOf = (dir: string) =>
  new Map(
    readdirSync(dir)
      .filter((n) => n.startsWith("pages-"))
      .map((n) => [n, readFileSync(join(dir, n)).length]),
  );

/** A folder holding a checkpoint map (and the pages of a corpus scenario). */
function folder(name: string, images: ReadonlyMap<string, Uint8Array>, pagesFrom?: string): string {
  const d = join(work, name);
  rmSync(d, { recursive: true, force: true });
  if (pagesFrom) cpSync(join(corpusRoot, "images", pagesFrom), d, { recursive: true, verbatimSymlinks: true });
  else execFileSync("mkdir", ["-p", d]);
  for (const [n, b] of images) writeFileSync(join(d, n), b);
  return d;
}

describe("zombies", () => {
  const cp = withZombie(corpusCheckpoint("tcp4"));
  const dir = () => folder("zombie", cp, "tcp4");

  it("verify accepts a zombie: a core and a pstree entry, no mm/ids/fdinfo, a thread id without core", () => {
    const r = verifyCheckpoint(memorySource(cp, { sizes: sizesOf(join(corpusRoot, "images", "tcp4")) }));
    expect(r.problems).toEqual([]);
    // Without its core, it is not a zombie but a missing task.
    const broken = new Map(cp);
    broken.delete(`core-${ZOMBIE_PID}.img`);
    expect(verifyCheckpoint(broken).problems.map((p) => p.message)).toContain(
      `task ${ZOMBIE_PID} has no core-${ZOMBIE_PID}.img`,
    );
  });

  it("x ps shows it; fds, mems and rss skip it with a note on stderr; tcp list and verify work", async () => {
    const d = dir();
    const ps = await runCli(["x", d, "ps"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout.toString()).toMatch(new RegExp(`\\s${ZOMBIE_PID}\\s+\\d+\\s+\\d+\\s+zomb\\n`));
    for (const what of ["fds", "mems", "rss"]) {
      const r = await runCli(["x", d, what]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`task ${ZOMBIE_PID} is a zombie`);
      expect(r.stdout.toString()).not.toMatch(new RegExp(`^${ZOMBIE_PID}$`, "m"));
      // Every live task is still there, as crit prints it.
      const golden = readFileSync(join(corpusRoot, "crit", "tcp4", `x-${what}.txt`), "utf8");
      expect(r.stdout.toString()).toBe(golden);
    }
    expect((await runCli(["verify", d])).code).toBe(0);
    expect((await runCli(["tcp", "list", d])).code).toBe(0);
  });
});

describe("files that are not images", () => {
  it("CRIU logs and runc's descriptors.json are accepted; an unknown file is a note, never a failure", async () => {
    const d = folder("companions", corpusCheckpoint("tcp4"), "tcp4");
    writeFileSync(join(d, "dump.log"), "(00.000000) Dumping...\n");
    writeFileSync(join(d, "restore.log"), "(00.000000) Restoring...\n");
    writeFileSync(join(d, "descriptors.json"), '["/dev/null","pipe:[1]","pipe:[2]"]');
    const clean = verifyCheckpoint(await openCheckpoint(d));
    expect(clean.problems).toEqual([]);
    expect(clean.notes).toEqual([]);
    expect(clean.companions.sort()).toEqual(["descriptors.json", "dump.log", "restore.log"]);
    writeFileSync(join(d, "mystery.bin"), "?");
    const r = await runCli(["verify", d]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^note: mystery\.bin: \[unknown-file\] /m);
  });
});

describe("pre-dump chains", () => {
  it("a pre-dump folder is recognised and verified as one", async () => {
    const cp = await openCheckpoint(join(chain, "1"));
    expect(cp.dumpKind()).toBe("pre-dump");
    const r = verifyCheckpoint(cp);
    expect(r.kind).toBe("pre-dump");
    expect(r.problems).toEqual([]);
    const cli = await runCli(["verify", join(chain, "1")]);
    expect(cli.stdout.toString()).toMatch(/consistent pre-dump/);
    // crit's explorers need a process tree: a clear error, not a crash.
    const x = await runCli(["x", join(chain, "1"), "ps"]);
    expect(x.code).toBe(1);
    expect(x.stderr).toMatch(/pre-dump, which has no process tree/);
  });

  it("the dump on top follows parent (a link, or a copy that lost it) for every command", async () => {
    // The corpus copy has parent as a small file holding "../1"; make a real link too.
    const base = join(work, "chain");
    cpSync(chain, base, { recursive: true, verbatimSymlinks: true });
    unlinkSync(join(base, "2", "parent"));
    symlinkSync("../1", join(base, "2", "parent"));
    for (const top of [join(chain, "2"), join(base, "2")]) {
      const cp = await openCheckpoint(top);
      expect(cp.parent?.dumpKind()).toBe("pre-dump");
      const r = verifyCheckpoint(cp);
      expect(r.problems, top).toEqual([]);
      expect(r.parents).toHaveLength(1);
      for (const args of [
        ["verify", top],
        ["tcp", "list", top],
        ["x", top, "ps"],
        ["x", top, "rss"],
        ["info", top],
      ]) {
        const c = await runCli(args);
        expect(c.code, `${args.join(" ")}: ${c.stderr}`).toBe(0);
      }
    }
  });

  // The corpus may hold parent as a link or as a file naming "../1"; copies of either kind must behave the same.
  for (const form of ["link", "file"] as const) {
    it(`verify checks that every PE_PARENT page is in the parent chain (parent as a ${form})`, async () => {
      const base = join(work, `chain-broken-${form}`);
      cpSync(chain, base, { recursive: true, verbatimSymlinks: true });
      rmSync(join(base, "2", "parent"));
      if (form === "link") symlinkSync("../1", join(base, "2", "parent"));
      else writeFileSync(join(base, "2", "parent"), "../1\n");
      const whole = verifyCheckpoint(await openCheckpoint(join(base, "2")));
      expect(whole.problems).toEqual([]);
      // The parent loses its pagemap of task 188: its PE_PARENT pages are nowhere.
      unlinkSync(join(base, "1", "pagemap-188.img"));
      const r = verifyCheckpoint(await openCheckpoint(join(base, "2")));
      expect(
        r.problems.some(
          (p) => p.check === "parent" && p.image === "pagemap-188.img" && /has no pagemap-188\.img/.test(p.message),
        ),
      ).toBe(true);
      // Without the parent at all.
      rmSync(join(base, "2", "parent"));
      const alone = verifyCheckpoint(await openCheckpoint(join(base, "2")));
      expect(alone.problems.filter((p) => p.check === "parent").length).toBeGreaterThan(0);
      expect(alone.problems[0]?.message).toMatch(/in the parent dump, but there is no parent/);
    });
  }
});

describe("plain tarballs", () => {
  const tcp4 = join(corpusRoot, "images", "tcp4");
  it("flat (tar czf x -C dump .) and with one top folder: every command works", async () => {
    const flat = join(work, "flat.tar.gz");
    execFileSync("tar", ["czf", flat, "-C", tcp4, "."]);
    const top = join(work, "top.tar");
    execFileSync("tar", ["cf", top, "-C", join(corpusRoot, "images"), "tcp4"]);
    for (const t of [flat, top]) {
      const cp = await openCheckpoint(t);
      expect(cp.source.archive?.layout).toBe("plain");
      expect(cp.names()).toEqual(readdirSync(tcp4).sort());
      const info = JSON.parse((await runCli(["info", t])).stdout.toString());
      expect(info.images).toBe(readdirSync(tcp4).length);
      const ps = await runCli(["x", t, "ps"]);
      expect(ps.stdout.toString()).toBe(readFileSync(join(corpusRoot, "crit", "tcp4", "x-ps.txt"), "utf8"));
      expect(listConnections(cp)).toHaveLength(3);
      expect((await runCli(["verify", t])).code).toBe(0);
    }
  });

  it("a tarball of a pre-dump chain follows its parent link inside the archive", async () => {
    const t = join(work, "chain.tar");
    const base = join(work, "chain-tar");
    cpSync(chain, base, { recursive: true, verbatimSymlinks: true });
    unlinkSync(join(base, "2", "parent"));
    symlinkSync("../1", join(base, "2", "parent"));
    execFileSync("tar", ["cf", t, "-C", base, "1", "2"]);
    const cp = await openCheckpoint(t);
    expect(cp.source.archive?.imagesDir).toBe("2");
    expect(cp.parent?.dumpKind()).toBe("pre-dump");
    expect(verifyCheckpoint(cp).problems).toEqual([]);
  });

  it("an archive that holds no checkpoint is an error", async () => {
    const t = join(work, "nothing.tar");
    writeFileSync(
      t,
      await makeTar([
        { name: "README", data: "hello" },
        { name: "src/a.c", data: "int x;" },
      ]),
    );
    for (const args of [
      ["info", t],
      ["x", t, "ps"],
      ["tcp", "list", t],
      ["verify", t],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toBe(`criu-image: ${t}: holds no checkpoint: no CRIU image in it\n`);
      expect(r.stdout.length).toBe(0);
    }
  });
});

describe("archive output", () => {
  it("the output's compression follows its name: .tar.zst is zstd (readable by zstd -d), .tgz gzip, .tar plain", async () => {
    const src = join(archives, "podman-web.tar");
    for (const [name, magic] of [
      ["o.tar.zst", "28b52ffd"],
      ["o.tgz", "1f8b"],
      ["o.tar.gz", "1f8b"],
    ] as const) {
      const out = join(work, name);
      const r = await runCli([
        "tcp",
        "rewrite",
        src,
        "--addr",
        "10.88.0.99=10.88.0.98",
        "--allow-unmatched",
        "--out",
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(
        readFileSync(out)
          .subarray(0, magic.length / 2)
          .toString("hex"),
      ).toBe(magic);
      const back = await openCheckpoint(out);
      expect(back.names()).toEqual((await openCheckpoint(src)).names());
    }
    execFileSync("zstd", ["-t", "-q", join(work, "o.tar.zst")]);
    const plain = join(work, "o.tar");
    await runCli(["tcp", "rewrite", src, "--addr", "10.88.0.99=10.88.0.98", "--allow-unmatched", "--out", plain]);
    // Nothing changed: the plain tar is the input, member for member.
    expect(execFileSync("tar", ["tf", plain]).toString()).toBe(execFileSync("tar", ["tf", src]).toString());
  });
});

describe("Podman exports", () => {
  for (const name of ["podman-web.tar", "podman-web.tar.gz", "podman-web.tar.zst"]) {
    it(`${name}: info counts CRIU images only and lists the other files apart; every command works`, async () => {
      const a = join(archives, name);
      const info = JSON.parse((await runCli(["info", a])).stdout.toString());
      const members = execFileSync("tar", ["tf", a]).toString().trim().split("\n");
      const images = members.filter((m) => /^checkpoint\/[^/]+$/.test(m) && m !== "checkpoint/descriptors.json");
      expect(info.images).toBe(images.length);
      expect(info.layout).toBe("podman");
      expect(info.otherFiles).toEqual([expect.stringMatching(/^descriptors\.json \(runc/)]);
      for (const c of ["config.dump", "spec.dump", "network.status", "rootfs-diff.tar", "ctr.log", "stats-dump"])
        expect(info.companions).toContain(c);
      expect(info.container.name).toBe("web");
      // One container reader: inspect names the container exactly as info does.
      const inspected = JSON.parse((await runCli(["inspect", "--container", "--json", a])).stdout.toString());
      expect(inspected.container).toEqual(info.container);
      expect(info.container.network).toEqual([
        { interface: "eth0", addresses: ["10.88.0.10/16"], mac: "76:c6:0f:65:d2:83" },
      ]);
      for (const args of [
        ["verify", a],
        ["tcp", "list", a],
        ["x", a, "ps"],
        ["x", a, "fds"],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      }
    });
  }

  it("verifyCheckpoint takes what openCheckpoint returns: pages are sized, never missing", async () => {
    const r = verifyCheckpoint(await openCheckpoint(join(archives, "podman-web.tar.gz")));
    expect(r.problems).toEqual([]);
    expect(r.companions).toEqual(["descriptors.json"]);
  });
});
