/** diff, the edit API and redact: every kind of difference, atomic edits, secrets gone and nothing else touched. */
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { diffCheckpoints } from "../../src/diff/index.js";
import { type EditSession, editCheckpoint, redactCheckpoint } from "../../src/edit/index.js";
import { pstree_entrySchema } from "../../src/gen/index.js";
import { readMemory } from "../../src/memory/index.js";
import { editCheckpointDir, openCheckpoint, redactCheckpointDir } from "../../src/node/index.js";
import { rewriteConnections } from "../../src/tcp/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { memoryMarkers } from "../helpers/markers.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-edit-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));
const img = (s: string) => join(corpusRoot, "images", s);
const copy = (s: string) => {
  const d = join(work, s);
  cpSync(img(s), d, { recursive: true, verbatimSymlinks: true });
  return d;
};
const snapshot = (d: string) =>
  new Map(
    readdirSync(d).map((n) => [n, lstatSync(join(d, n)).isFile() ? readFileSync(join(d, n)).toString("hex") : ""]),
  );

describe("diff", () => {
  it("tells a tcp rewrite apart precisely: only the rewritten files.img entries and fields", async () => {
    const a = await openCheckpoint(img("tcp4"));
    const { checkpoint: b } = rewriteConnections(a, [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }]);
    const r = await diffCheckpoints(a, b);
    expect(r.same).toBe(false);
    expect(r.images.map((i) => i.image)).toEqual(["files.img"]);
    const fields = r.images[0]!.entries!.flatMap((e) => e.fields.map((f) => [f.path, f.old, f.new]));
    expect(fields.sort()).toEqual([
      ["entries[6].isk.dst_addr[0]", "127.0.0.2", "10.0.0.2"],
      ["entries[9].isk.src_addr[0]", "127.0.0.2", "10.0.0.2"],
    ]);
    expect(
      r.semantic
        .filter((c) => c.what === "socket")
        .map((c) => c.key)
        .sort(),
    ).toEqual(["tcp socket 10", "tcp socket 7"]);
  });

  it("identical checkpoints: same, nothing printed, exit 0; different: exit 1; trouble: exit 2", async () => {
    const same = await runCli(["diff", img("tcp4"), img("tcp4")]);
    expect([same.code, same.stdout.length, same.stderr]).toEqual([0, 0, ""]);
    const diff = await runCli(["diff", img("tcp4"), img("tcp6"), "--json"]);
    expect(diff.code).toBe(1);
    expect(JSON.parse(diff.stdout.toString()).same).toBe(false);
    expect((await runCli(["diff", img("tcp4"), join(work, "nope")])).code).toBe(2);
  });

  it("images with the same bytes are never decoded (a broken but identical image is fine)", async () => {
    const cp = corpusCheckpoint("tcp4");
    cp.set("files.img", new Uint8Array([1, 2, 3]));
    const r = await diffCheckpoints(cp, new Map(cp), { semantic: false });
    expect(r.same).toBe(true);
  });

  it("every kind: processes added, fields of processes, VMAs, mounts, namespaces, pages", async () => {
    const base = corpusCheckpoint("tcp4");
    const zombie = await diffCheckpoints(base, withZombie(base));
    expect(zombie.semantic).toContainEqual({
      what: "process",
      change: "added",
      key: `process ${ZOMBIE_PID}`,
      fields: [],
    });
    const podman = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar"));
    const edited = await editCheckpoint(podman, (e) => {
      const mnt = podman.names().find((n) => n.startsWith("mountpoints-"))!;
      e.image(mnt, "MNTS")!.entries[0]!.mountpoint = "/moved";
      const uts = podman.names().find((n) => n.startsWith("utsns-"))!;
      e.image(uts, "UTSNS")!.entries[0]!.nodename = "renamed";
      const mm = podman.names().find((n) => n.startsWith("mm-"))!;
      const v = e.image(mm, "MM")!.entries[0]!.vmas[0]!;
      v.prot = 7;
      e.image("pstree.img", "PSTREE")!.entries[0]!.pgid = 77;
    });
    const kinds = new Set(edited.report.semantic.map((c) => `${c.what}:${c.change}`));
    for (const k of ["mount:changed", "namespace:changed", "vma:changed", "process:changed"])
      expect(kinds, k).toContain(k);
    expect(edited.report.semantic.find((c) => c.what === "namespace")?.fields).toContainEqual({
      path: "hostname",
      old: expect.any(String),
      new: "renamed",
    });
    const mem = await openCheckpoint(img("memory"));
    const heap = memoryMarkers().find((m) => m.name === "MARK-HEAP-alpha")!;
    const written = await editCheckpoint(
      mem,
      (e) => e.writeMemory(29313, heap.address!, new TextEncoder().encode("X")),
      { memoryReport: true },
    );
    const page = `0x${(heap.address! & ~0xfffn).toString(16)}`;
    expect(written.report.memory).toEqual([expect.objectContaining({ pid: 29313, count: 1, pages: [page] })]);
    expect(written.report.images).toEqual([expect.objectContaining({ image: "pages-2.img", changedBytes: 1 })]);
  });
});

describe("the edit API", () => {
  it("writes only the changed images, re-encoding only the changed entries, and reports as diff", async () => {
    const cp = await openCheckpoint(img("many-fds"));
    const r = await editCheckpoint(cp, (e) => {
      e.image("pstree.img", "PSTREE")!.entries[1]!.sid = 4242;
      e.image("files.img", "FILES"); // looked at, not changed
    });
    expect([...r.changed.keys()]).toEqual(["pstree.img"]);
    const before = await diffCheckpoints(cp, r.checkpoint);
    expect(r.report).toEqual(before);
    expect(r.report.images[0]!.entries!.map((x) => x.index)).toEqual([1]);
  });

  it("an edit on disk is atomic: a failing edit changes nothing; a good one replaces only its images", async () => {
    const d = copy("tcp4");
    const before = snapshot(d);
    await expect(
      editCheckpointDir(d, (e) => {
        e.image("pstree.img", "PSTREE")!.entries[0]!.sid = 1;
        throw new Error("the user's code failed");
      }),
    ).rejects.toThrow("the user's code failed");
    expect(snapshot(d)).toEqual(before);
    await editCheckpointDir(d, (e) => {
      e.image("pstree.img", "PSTREE")!.entries.push(
        create(pstree_entrySchema, { pid: 9, ppid: 11202, pgid: 9, sid: 9 }),
      );
    });
    const after = snapshot(d);
    for (const [n, b] of before) expect(after.get(n) === b, n).toBe(n !== "pstree.img");
  });

  it("unit-testing a transformation on a checkpoint built in memory", async () => {
    // Every file of the dump, pages included, as a test would hold them.
    const images = new Map(
      readdirSync(img("tcp4")).map((n) => [n, new Uint8Array(readFileSync(join(img("tcp4"), n)))]),
    );
    const renamePgid = (e: EditSession) => {
      for (const t of e.image("pstree.img", "PSTREE")!.entries) t.pgid = 1;
    };
    const r = await editCheckpoint(new Checkpoint(memorySource(images)), renamePgid);
    expect(r.checkpoint.tasks().every((t) => t.pgid === 1)).toBe(true);
    expect(verifyCheckpoint(r.checkpoint).problems).toEqual([]);
  });
});

describe("redact", () => {
  it("the memory scenario: MARK_TOKEN's value is in no byte of the output; every marker intact; verify passes", async () => {
    const d = copy("memory");
    const out = join(work, "out");
    const cli = await runCli(["redact", d, "--env", "MARK_TOKEN", "--out", out]);
    expect(cli.code, cli.stderr).toBe(0);
    const secret = Buffer.from("s3cr3t-0001");
    for (const n of readdirSync(out)) expect(readFileSync(join(out, n)).includes(secret), n).toBe(false);
    const cp = await openCheckpoint(out);
    for (const m of memoryMarkers()) {
      const pid = m.task === "both" || m.task === undefined ? 29313 : Number(m.task);
      const want = Buffer.from(m.utf16 ? Buffer.from(m.name, "utf16le") : Buffer.from(m.name));
      const r = await readMemory(cp, pid, m.address!, want.length);
      expect(Buffer.from(r.bytes).equals(want), m.name).toBe(true);
    }
    expect(verifyCheckpoint(cp).problems).toEqual([]);
    const env = (await runCli(["inspect", out, "--json"])).stdout.toString();
    expect(JSON.parse(env).processes[0].env).toEqual(["MARK_USER=corpus", "MARK_TOKEN=***********", "PATH=/usr/bin"]);
    // The input is untouched.
    expect(snapshot(d)).toEqual(snapshot(img("memory")));
  });

  it("queues and pipes are zeroed with their lengths kept; verify passes", async () => {
    for (const s of ["tcp4", "many-fds", "mixed-sockets"]) {
      const cp = await openCheckpoint(img(s));
      const r = await redactCheckpoint(cp, { tcpQueues: true, pipes: true });
      expect(r.redactions.length, s).toBeGreaterThan(0);
      expect(r.changed.size, s).toBeGreaterThan(0);
      for (const [n, b] of r.changed) {
        expect(b.length, n).toBe(cp.size(n));
        const img2 = r.checkpoint.image(n)!;
        for (const x of (img2.extras ?? []) as unknown[]) {
          const parts =
            x instanceof Uint8Array ? [x] : [(x as { inq: Uint8Array }).inq, (x as { outq: Uint8Array }).outq];
          for (const p of parts) expect(p.every((c) => c === 0)).toBe(true);
        }
      }
      expect(verifyCheckpoint(r.checkpoint).problems, s).toEqual([]);
    }
  });

  it("a secret in a page of the parent dump is refused with the reason, writing nothing", async () => {
    // A copy: a bug (or a mutant) that ignores --out must not write into the shared corpus.
    const chain = join(work, "predump");
    cpSync(join(corpusRoot, "chains", "images", "predump"), chain, { recursive: true, verbatimSymlinks: true });
    const r = await runCli(["redact", join(chain, "2"), "--env", "MARK_TOKEN", "--out", join(work, "o")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is in a page kept in the parent dump/);
    expect(readdirSync(work)).toEqual(["predump"]);
  });

  it("random secrets placed in memory are all gone, and every other byte is unchanged (property)", async () => {
    const cp = await openCheckpoint(img("memory"));
    const anon = memoryMarkers().find((m) => m.name === "MARK-ANON-alpha")!;
    const base = anon.address! & ~0xfffn; // a dumped page of a private mapping
    // Secrets of 6..24 bytes at up to 8 places in one dumped page: lengths that cover short and long words.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4096 - 32 }), fc.stringMatching(/^[A-Za-z0-9]{6,24}$/)), {
          minLength: 1,
          maxLength: 8,
        }),
        async (secrets) => {
          const planted = await editCheckpoint(cp, (e) => {
            for (const [off, s] of secrets)
              e.writeMemory(29313, base + BigInt(off), new TextEncoder().encode(`\u0001${s}\u0001`));
          });
          const withSecrets = planted.checkpoint;
          // Secrets planted over each other may leave one with no whole copy: allowed here.
          const r = await redactCheckpoint(withSecrets, { strings: secrets.map(([, s]) => s), allowUnmatched: true });
          const before = await readMemory(withSecrets, 29313, base, 4096);
          const after = await readMemory(r.checkpoint, 29313, base, 4096);
          const text = Buffer.from(after.bytes).toString("latin1");
          for (const [, s] of secrets) expect(text.includes(s)).toBe(false);
          // Only bytes that were part of a secret changed.
          for (let i = 0; i < 4096; i++) {
            if (before.bytes[i] === after.bytes[i]) continue;
            expect(after.bytes[i]).toBe(0x2a);
          }
          for (const [n] of r.changed) expect(n).toBe("pages-2.img");
        },
      ),
      { numRuns: 20, seed: 5 },
    );
  });
});

describe("redact on disk", () => {
  it("in place under the lock, and the result verifies", async () => {
    const d = copy("memory");
    const r = await redactCheckpointDir(d, { env: ["MARK_TOKEN"] });
    expect(r.written.map((w) => w.split("/").pop()).sort()).toEqual(["pages-2.img", "pages-3.img"]);
    expect((await runCli(["verify", d])).code).toBe(0);
  });
});
