/**
 * Architectures: an aarch64 task (the simple dump with its core images
 * turned into aarch64 ones) read back by eu-readelf, which decodes
 * aarch64 notes on any host; other architectures and 32-bit x86 tasks
 * refused, naming what they are.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump } from "../../src/coredump/index.js";
import {
  thread_info_aarch64Schema,
  user_aarch64_fpsimd_context_entrySchema,
  user_aarch64_regs_entrySchema,
} from "../../src/gen/index.js";
import { readImage, writeImage } from "../../src/index.js";
import { corpusCheckpoint, corpusDump } from "../helpers/checkpoints.js";

const PID = 11146;

/** The simple dump (pages included) with its task's core image edited. */
function simpleWith(edit: (core: Record<string, unknown>) => void): Checkpoint {
  const files = corpusDump("simple");
  const img = readImage(files.get(`core-${PID}.img`) as Uint8Array, { name: "core" });
  if (img.kind !== "CORE" || !img.entries[0]) throw new Error("core");
  edit(img.entries[0] as unknown as Record<string, unknown>);
  files.set(`core-${PID}.img`, writeImage(img));
  return Checkpoint.of(files);
}

async function bytesOf(cp: Checkpoint): Promise<Buffer> {
  const c = await coreDump(cp, PID, { pageSize: 4096 });
  const parts: Uint8Array[] = [];
  for await (const ch of c.chunks()) parts.push(ch);
  return Buffer.concat(parts);
}

const work = mkdtempSync(join(tmpdir(), "criu-image-arch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("architectures", () => {
  it("aarch64: EM_AARCH64, the general registers, pc, sp and pstate, FP/SIMD and TLS, as eu-readelf reads them", async () => {
    const regs = Array.from({ length: 31 }, (_, i) => BigInt(i) * 0x1111n + 1n);
    const cp = simpleWith((c) => {
      c.mtype = 3;
      delete c.threadInfo;
      c.tiAarch64 = create(thread_info_aarch64Schema, {
        clearTidAddr: 0n,
        tls: 0x7f0000001234n,
        gpregs: create(user_aarch64_regs_entrySchema, { regs, sp: 0x7ffffff000n, pc: 0x400123n, pstate: 0x60000000n }),
        fpsimd: create(user_aarch64_fpsimd_context_entrySchema, {
          vregs: Array.from({ length: 64 }, (_, i) => BigInt(i)),
          fpsr: 0x10,
          fpcr: 0x20,
        }),
      });
    });
    const core = await bytesOf(cp);
    expect(core.readUInt16LE(18)).toBe(183);
    const file = join(work, "core");
    writeFileSync(file, core);
    const r = spawnSync("eu-readelf", ["-n", file], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toMatch(/CORE\s+392\s+PRSTATUS/);
    expect(out).toMatch(/CORE\s+528\s+FPREGSET/);
    expect(out).toMatch(/LINUX\s+8\s+ARM_TLS/);
    expect(out).toMatch(/pc:\s+0x0000000000400123/);
    expect(out).toMatch(/sp:\s+0x0000007ffffff000/);
    for (const [i, v] of regs.entries()) expect(out, `x${i}`).toMatch(new RegExp(`\\bx${i}:\\s+${v}\\b`));
    expect(out).toMatch(/fpsr: 0x00000010, fpcr: 0x00000020/);
    expect(out).toMatch(/v1:\s+0x00000000000000030000000000000002/);
    expect(out).toMatch(/v31:\s+0x000000000000003f000000000000003e/);
    expect(out).toMatch(/tls:\s+0x00007f0000001234/);
  });

  it("architectures without a core layout here are refused by name; so are 32-bit x86 tasks", async () => {
    await expect(
      coreDump(
        simpleWith((c) => {
          c.mtype = 4;
        }),
        PID,
      ),
    ).rejects.toThrow(
      `core-${PID}.img: at byte 0: expected an x86_64 or aarch64 task (a PPC64 task: core files are written for x86_64 and aarch64 only)`,
    );
    await expect(
      coreDump(
        simpleWith((c) => {
          ((c.threadInfo as { gpregs: { mode: number } }).gpregs as { mode: number }).mode = 2;
        }),
        PID,
      ),
    ).rejects.toThrow("a 32-bit (compat) x86 task");
    await expect(coreDump(Checkpoint.of(corpusCheckpoint("simple")), 1)).rejects.toThrow("no such task");
  });
});
