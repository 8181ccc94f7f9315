/**
 * memoryMap against crit's own explorers on every corpus dump that has them:
 * `crit x mems` (each VMA's range, protection, kind and mapped file) and
 * `crit x rss` (each pagemap entry's pages), so every VmaMap field a user
 * reads is checked against output made outside this code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryMap } from "../../src/memory/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusDumps } from "../helpers/corpus.js";

/** crit x output split by task: pid → its lines (tab removed). */
function byTask(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let cur: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\d+$/.test(line)) {
      cur = [];
      out.set(Number(line), cur);
    } else if (line.startsWith("\t")) cur.push(line.slice(1));
  }
  return out;
}

interface CritVma {
  start: bigint;
  end: bigint;
  prot: string;
  what: string;
}

/** "%08lx-%08lx" padded to 36, the protection, then what crit names the mapping. */
function critVmas(lines: string[]): CritVma[] {
  return lines
    .filter((l) => !l.startsWith("exe"))
    .map((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) +([r-][w-][x-])(.*)$/.exec(l);
      if (!m) throw new Error(`not a crit x mems line: ${l}`);
      return {
        start: BigInt(`0x${m[1]}`),
        end: BigInt(`0x${m[2]}`),
        prot: m[3] as string,
        what: (m[4] as string).trim(),
      };
    });
}

/** The pagemap entries crit x rss lists: [vaddr, nr_pages]. */
function critPagemap(lines: string[]): [bigint, number][] {
  return lines.flatMap((l) => {
    const m = /^([0-9a-f]+) \/ (\d+)/.exec(l);
    return m ? [[BigInt(`0x${m[1]}`), Number(m[2])] as [bigint, number]] : [];
  });
}

const dumps = corpusDumps().filter((d) => existsSync(join(d.crit, "x-mems.txt")));

describe("memory maps against crit x mems and crit x rss", () => {
  it("the corpus has dumps with crit's explorer output", () => {
    expect(dumps.length).toBeGreaterThan(3);
  });

  for (const d of dumps) {
    it(`${d.scenario}: every VMA's range, protection, kind and file; every task's dumped pages per VMA`, async () => {
      const cp = await openCheckpoint(d.dir);
      const mems = byTask(readFileSync(join(d.crit, "x-mems.txt"), "utf8"));
      const rss = byTask(readFileSync(join(d.crit, "x-rss.txt"), "utf8"));
      expect([...mems.keys()].sort()).toEqual(
        cp
          .tasks()
          .filter((t) => !cp.isZombie(t.pid))
          .map((t) => t.pid)
          .sort(),
      );
      for (const [pid, lines] of mems) {
        const ours = memoryMap(cp, pid, 4096);
        const theirs = critVmas(lines);
        expect(ours.length, `pid ${pid}`).toBe(theirs.length);
        const pagemap = critPagemap(rss.get(pid) ?? []);
        ours.forEach((v, i) => {
          const c = theirs[i] as CritVma;
          const at = `pid ${pid} vma ${v.start.toString(16)}`;
          expect([v.start, v.end, v.prot], at).toEqual([c.start, c.end, c.prot]);
          // crit marks VMAs that are not VMA_AREA_REGULAR with " *".
          expect(c.what.endsWith("*"), at).toBe((v.status & 1) === 0);
          const what = c.what.replace(/ ?\*$/, "");
          if (v.kind === "file" || v.kind === "file-shared") {
            const pg = v.pgoff ? ` + 0x${v.pgoff.toString(16)}` : "";
            expect(what, at).toBe(`${v.path}${pg}${v.kind === "file-shared" ? " (s)" : ""}`);
          } else if (v.kind === "shared") expect(what, at).toMatch(/^shmem\[[0-9a-f]+\]$/);
          // A memfd mapping is a shared file mapping whose file is a memfd, not a regular file: crit finds no path.
          else if (v.kind === "memfd") expect(what, at).toMatch(/^unknown path( \+ 0x[0-9a-f]+)? \(s\)$/);
          else if (v.kind === "sysvipc") expect(what, at).toMatch(/^ips\[[0-9a-f]+\]$/);
          // crit names a MAP_GROWSDOWN VMA "[stack?]"; CRIU never sets VMA_AREA_STACK, crit's "[stack]".
          else if (v.kind === "stack") expect(what, at).toBe(v.status & 2 ? "[stack]" : "[stack?]");
          else if (v.kind === "vdso") expect(what, at).toBe("[vdso]");
          else if (v.kind === "vsyscall") expect(what, at).toBe("[vsyscall]");
          else expect(what, at).toBe("");
          if (v.kind !== "file" && v.kind !== "file-shared") expect(v.path, at).toBeNull();
          // Pages the pagemap has inside this VMA: ours split by where they are, crit's from its entries.
          let dumped = 0;
          for (const [vaddr, n] of pagemap) {
            const lo = vaddr > v.start ? vaddr : v.start;
            const end = vaddr + BigInt(n) * 4096n;
            const hi = end < v.end ? end : v.end;
            if (hi > lo) dumped += Number((hi - lo) / 4096n);
          }
          // Shared mappings' pages are in the shmem pagemap, not the task's.
          if (v.pagemap === `pagemap-${pid}.img`) {
            expect(v.pages.present + v.pages.parent + v.pages.lazy, at).toBe(dumped);
            expect(v.delta, at).toBe(0n);
          }
          expect(v.pages.present + v.pages.parent + v.pages.lazy + v.pages.notDumped, at).toBe(
            Number((v.end - v.start) / 4096n),
          );
        });
      }
    });
  }
});
