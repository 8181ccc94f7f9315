/**
 * crit's explorers on checkpoints the corpus does not have, made from its
 * dumps by editing images: pipes in the legacy pipes.img, and VMAs of every
 * kind crit names (shared anonymous, packet socket, stack, low addresses).
 * The goldens beside this file are crit 4.2's own output for exactly these
 * images: `CRIT=/path/to/crit CRIT_X_WRITE=1 npx vitest run
 * test/inspect/crit-explore-crafted.test.ts` writes the images to a
 * temporary folder, runs `crit x` on them and stores what it prints.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { type CritExplorer, critExplore } from "../../src/inspect/index.js";
import { corpusCheckpoint, corpusDump, editImage, legacyLayout } from "../helpers/checkpoints.js";

const VMA = { REGULAR: 1, STACK: 2, ANON_SHARED: 1 << 8, ANON_PRIVATE: 1 << 9, SOCKET: 1 << 11 };
const PID = 11670;

/** many-fds with VMAs of the kinds it lacks: two sharing one shared-anonymous object, a packet ring, a stack, low addresses. */
function vmaKinds(): Map<string, Uint8Array> {
  const cp = corpusDump("many-fds");
  let moved: [bigint, bigint] = [0n, 0n];
  editImage<"MM">(cp, `mm-${PID}.img`, (img) => {
    const v = (img.entries[0] as (typeof img.entries)[number]).vmas;
    const at = (i: number) => v[i] as (typeof v)[number];
    for (const i of [6, 9]) Object.assign(at(i), { status: VMA.ANON_SHARED | VMA.REGULAR, shmid: 1234n });
    Object.assign(at(15), { status: VMA.SOCKET | VMA.REGULAR, shmid: 999n });
    at(17).status = VMA.STACK | VMA.ANON_PRIVATE | VMA.REGULAR;
    // The executable's first two mappings (the second has pages) moved below 0x10000000, where crit pads addresses.
    moved = [at(0).start, at(1).end];
    for (const i of [0, 1]) {
      at(i).start = at(i).start - moved[0] + 0x1000n;
      at(i).end = at(i).end - moved[0] + 0x1000n;
    }
  });
  // The pages of the moved VMA move with it, so rss lists it at its low address.
  editImage<"PAGEMAP">(cp, `pagemap-${PID}.img`, (img) => {
    for (const e of img.entries.slice(1))
      if ("vaddr" in e && e.vaddr >= moved[0] && e.vaddr < moved[1]) e.vaddr = e.vaddr - moved[0] + 0x1000n;
  });
  return cp;
}

const CASES: Record<string, { images: () => Map<string, Uint8Array>; explorers: CritExplorer[] }> = {
  "legacy-pipes": {
    images: () => legacyLayout(corpusCheckpoint("many-fds"), { allSockets: true, regFiles: true, pipes: true }),
    explorers: ["fds"],
  },
  "vma-kinds": { images: vmaKinds, explorers: ["mems", "rss"] },
};

const golden = (name: string, what: string) => join(__dirname, "crit-x", `${name}-${what}.txt`);

describe("crit's explorers on edited corpus dumps", () => {
  for (const [name, c] of Object.entries(CASES))
    for (const what of c.explorers)
      it(`${name}: x ${what} prints what crit 4.2 printed`, () => {
        const images = c.images();
        if (process.env.CRIT_X_WRITE) {
          const dir = mkdtempSync(join(tmpdir(), "criu-image-crit-x-"));
          try {
            for (const [n, b] of images) writeFileSync(join(dir, n), b);
            const crit = process.env.CRIT ?? "crit";
            writeFileSync(golden(name, what), execFileSync(crit, ["x", dir, what], { encoding: "utf8" }));
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
        expect(critExplore(Checkpoint.of(images), what).text).toBe(readFileSync(golden(name, what), "utf8"));
      });
});
