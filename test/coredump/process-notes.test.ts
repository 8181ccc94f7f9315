/**
 * What a core says of its process, read by eu-readelf against the corpus
 * README (the memory scenario's command lines and names), and the typed
 * errors coreDump gives for tasks it cannot write.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump } from "../../src/coredump/index.js";
import { core_entry_march } from "../../src/gen/index.js";
import { CriuImageError } from "../../src/index.js";
import { corpusDump, editImage } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-notes-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const haveEu = spawnSync("eu-readelf", ["--version"]).status === 0;

async function notesOf(cp: Map<string, Uint8Array>, pid: number): Promise<string> {
  const c = await coreDump(Checkpoint.of(cp), pid);
  const parts: Uint8Array[] = [];
  for await (const p of c.chunks()) parts.push(p);
  const path = join(work, `core.${pid}`);
  writeFileSync(path, Buffer.concat(parts));
  return spawnSync("eu-readelf", ["-n", path], { encoding: "utf8" }).stdout;
}

async function error(p: Promise<unknown>): Promise<CriuImageError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CriuImageError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("process notes", () => {
  it.runIf(haveEu)("name each process, its parent and its command line as the README gives them", async () => {
    const cp = corpusDump("memory");
    const parent = await notesOf(cp, 29313);
    expect(parent).toMatch(/pid: 29313, ppid: 0, pgrp: 29313, sid: 29313/);
    expect(parent).toContain("fname: mem_marks\n");
    expect(parent).toContain("psargs: /srv/ckpt/scripts/bin/mem_marks alpha beta gamma delta\n");
    const child = await notesOf(cp, 29316);
    expect(child).toMatch(/pid: 29316, ppid: 29313,/);
    expect(child).toContain("fname: mem_child\n");
    // The child overwrote argv[1] in place.
    expect(child).toContain("psargs: /srv/ckpt/scripts/bin/mem_marks CHILD beta gamma delta\n");
  });

  it.runIf(haveEu)(
    "leaves psargs empty when the command line's bounds are empty, and says nothing is wrong",
    async () => {
      const cp = corpusDump("memory");
      editImage<"MM">(cp, "mm-29313.img", (img) => {
        const mm = img.entries[0];
        if (mm) mm.mmArgEnd = mm.mmArgStart;
      });
      expect(await notesOf(cp, 29313)).toMatch(/psargs: *\n/);
      // Bounds the wrong way round read as empty too, not as a negative length.
      editImage<"MM">(cp, "mm-29313.img", (img) => {
        const mm = img.entries[0];
        if (mm) mm.mmArgEnd = mm.mmArgStart - 8n;
      });
      expect(await notesOf(cp, 29313)).toMatch(/psargs: *\n/);
    },
  );
});

describe("coreDump's errors", () => {
  it("names the image and what it expected", async () => {
    const none = await error(coreDump(Checkpoint.of(corpusDump("simple")), 1));
    expect([none.code, none.image, none.expected]).toEqual(["INVALID", "pstree.img", "a task 1"]);
    const noMm = corpusDump("simple");
    noMm.delete("mm-11146.img");
    const e = await error(coreDump(Checkpoint.of(noMm), 11146));
    expect([e.code, e.image, e.expected]).toEqual([
      "UNSUPPORTED",
      "core-11146.img",
      "a task with memory and registers",
    ]);
    expect(e.message).toContain("no mm-11146.img: no memory");
    const empty = corpusDump("simple");
    editImage<"MM">(empty, "mm-11146.img", (img) => {
      img.entries = [];
    });
    const m = await error(coreDump(Checkpoint.of(empty), 11146));
    expect([m.code, m.image, m.expected]).toEqual(["UNSUPPORTED", "mm-11146.img", "an mm entry"]);
  });

  it("says in full why a task is refused: no memory, no such task, 32-bit, another architecture, too many mappings", async () => {
    const noMm = corpusDump("simple");
    noMm.delete("mm-11146.img");
    expect((await error(coreDump(Checkpoint.of(noMm), 11146))).message).toBe(
      "core-11146.img: at byte 0: expected a task with memory and registers (no mm-11146.img: no memory)",
    );
    expect((await error(coreDump(Checkpoint.of(corpusDump("simple")), 1))).message).toBe(
      "pstree.img: at byte 0: expected a task 1 (no such task in the checkpoint)",
    );
    const compat = corpusDump("simple");
    editImage<"CORE">(compat, "core-11146.img", (img) => {
      const r = img.entries[0]?.threadInfo?.gpregs;
      if (r) r.mode = 2;
    });
    const c = await error(coreDump(Checkpoint.of(compat), 11146));
    expect([c.code, c.message]).toEqual([
      "UNSUPPORTED",
      "core-11146.img: at byte 0: expected a 64-bit task (a 32-bit (compat) x86 task)",
    ]);
    const ppc = corpusDump("simple");
    editImage<"CORE">(ppc, "core-11146.img", (img) => {
      const e = img.entries[0];
      if (e) e.mtype = core_entry_march.PPC64;
    });
    const arch = await error(coreDump(Checkpoint.of(ppc), 11146));
    expect(arch.code).toBe("UNSUPPORTED");
    expect(arch.message).toBe(
      "core-11146.img: at byte 0: expected an x86_64 or aarch64 task (a PPC64 task: core files are written for x86_64 and aarch64 only)",
    );
    const empty = corpusDump("simple");
    editImage<"MM">(empty, "mm-11146.img", (img) => {
      img.entries = [];
    });
    expect((await error(coreDump(Checkpoint.of(empty), 11146))).message).toBe(
      "mm-11146.img: at byte 0: expected an mm entry (the image is empty)",
    );
  });

  it("refuses more mappings than ELF's 16-bit header count holds, and takes the most it holds", async () => {
    const many = (n: number) => {
      const cp = corpusDump("simple");
      editImage<"MM">(cp, "mm-11146.img", (img) => {
        const mm = img.entries[0];
        const v = mm?.vmas[0];
        if (!mm || !v) return;
        // One-page anonymous mappings far above the task's own, with no pages: one zero segment each.
        mm.vmas = Array.from({ length: n }, (_, i) => {
          const w = Object.assign(Object.create(Object.getPrototypeOf(v)), v);
          w.start = 0x100000000000n + BigInt(i) * 0x2000n;
          w.end = w.start + 0x1000n;
          w.status = 0x201;
          w.shmid = 0n;
          return w;
        });
      });
      return Checkpoint.of(cp);
    };
    const e = await error(coreDump(many(65534), 11146));
    expect([e.code, e.message]).toEqual([
      "UNSUPPORTED",
      "mm-11146.img: at byte 0: expected at most 65534 mappings (65534 mappings)",
    ]);
    const ok = await coreDump(many(65533), 11146);
    expect(ok.segments).toBe(65533);
    expect(ok.zeroPages).toBe(65533);
  });

  it("warns of pages its pagemap names that cannot be read (a parent dump missing), and writes zeros there", async () => {
    const cp = corpusDump("simple");
    let parentPages = 0n;
    editImage<"PAGEMAP">(cp, "pagemap-11146.img", (img) => {
      const e = img.entries[1];
      if (e && "flags" in e) {
        e.flags = 1;
        parentPages = BigInt(e.nrPages);
      }
    });
    const c = await coreDump(Checkpoint.of(cp), 11146);
    const parts: Uint8Array[] = [];
    for await (const p of c.chunks()) parts.push(p);
    expect(parentPages).toBeGreaterThan(0n);
    expect(c.warnings).toEqual([
      `${parentPages * 4096n} bytes the pagemap names could not be read (a parent dump missing?): written as zeros`,
    ]);
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(c.size);
  });

  it("pads file pages past a mapped file's end with zeros, keeping every segment at its offset", async () => {
    const reads: [string, number, number][] = [];
    const files = {
      size: async () => 100,
      read: async (path: string, offset: number, length: number) => {
        reads.push([path, offset, length]);
        return new Uint8Array(Math.max(0, Math.min(length, 100 - offset))).fill(0xab);
      },
    };
    const c = await coreDump(Checkpoint.of(corpusDump("simple")), 11146, { files });
    expect(c.filePages).toBeGreaterThan(0);
    const parts: Uint8Array[] = [];
    for await (const p of c.chunks()) parts.push(p);
    const out = Buffer.concat(parts);
    expect(out.length).toBe(c.size);
    // Each file read is of whole pages; only reads from offset 0 get bytes, 100 of them.
    expect(reads.length).toBeGreaterThan(0);
    expect(out.filter((b) => b === 0xab).length).toBeGreaterThanOrEqual(100 * reads.filter(([, o]) => o === 0).length);
  });

  it("leaves out a thread without its core image, and says so", async () => {
    const cp = corpusDump("many-fds");
    cp.delete("core-11674.img");
    const c = await coreDump(Checkpoint.of(cp), 11673);
    expect(c.threads).toEqual([11673, 11675]);
    expect(c.warnings).toContain("thread 11674 has no core-11674.img: left out");
  });
});

describe("signals in NT_PRSTATUS", () => {
  /** The signal numbers of a mask, as eu-readelf lists them. */
  const signals = (mask: bigint) =>
    Array.from({ length: 64 }, (_, i) => i + 1).filter((s) => (mask >> BigInt(s - 1)) & 1n);
  // biome-ignore lint/suspicious/noExplicitAny: crit's JSON.
  const crit = (name: string): any =>
    JSON.parse(
      readFileSync(join(corpusRoot, "crit", "many-fds", `${name}.json`), "utf8").replace(
        /(?<=[:[,]\s*)(\d{16,})(?=\s*[,\]}])/g,
        '"$1"',
      ),
    ).entries[0];

  it.runIf(haveEu)(
    "hold each thread's pending and blocked signals as crit reads them from its core image",
    async () => {
      const cp = corpusDump("many-fds");
      const seen: string[] = [];
      for (const [pid, tids] of [
        [11670, [11670]],
        [11673, [11673, 11674, 11675]],
      ] as const) {
        const notes = await notesOf(cp, pid);
        for (const tid of tids) {
          const core = crit(`core-${tid}.img`);
          // CRIU keeps the leader's mask in tc, other threads' in thread_core.
          const blocked = BigInt(core.thread_core?.blk_sigset ?? core.tc?.blk_sigset ?? 0);
          const pending = (core.thread_core?.signals_p?.signals ?? []).map((s: { siginfo: string }) =>
            Buffer.from(s.siginfo, "base64").readInt32LE(0),
          );
          const block = new RegExp(`sigpend: <([0-9,]*)>\\n\\s+sighold: <([0-9,]*)>\\n\\s+pid: ${tid},`).exec(notes);
          expect(block, `thread ${tid}`).not.toBeNull();
          expect(block?.[1], `pending of ${tid}`).toBe(pending.sort((a: number, b: number) => a - b).join(","));
          expect(block?.[2], `blocked of ${tid}`).toBe(signals(blocked).join(","));
          seen.push(`${tid}:${block?.[1]}:${block?.[2]}`);
        }
      }
      // The corpus's signals: something pending and something blocked, in a leader and in a thread.
      expect(seen).toEqual(["11670:35:10,12,35", "11673::", "11674:36:10,36", "11675::10,36"]);
    },
  );
});
