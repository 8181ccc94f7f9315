/**
 * nodeHost when /proc can be read in part: pid_max is there but the
 * directory cannot be listed (a hardened /proc, hidepid, a race with its
 * unmount). Root lists any directory, so the listing is made to fail here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:fs/promises", async (original) => {
  const fs = await original<typeof import("node:fs/promises")>();
  return { ...fs, readdir: vi.fn(fs.readdir) };
});

describe("nodeHost's pids", () => {
  it("says which directory could not be listed, and why", async () => {
    // Loaded afresh so it sees the mock even when a mutation run has loaded it before any test.
    vi.resetModules();
    const { nodeHost } = await import("../../src/node/host.js");
    const proc = mkdtempSync(join(tmpdir(), "criu-image-proc-"));
    mkdirSync(join(proc, "sys/kernel"), { recursive: true });
    writeFileSync(join(proc, "sys/kernel/pid_max"), "4194304\n");
    mkdirSync(join(proc, "42/task/43"), { recursive: true });
    const h = nodeHost({ proc });
    expect(await h.pids()).toEqual({ inUse: new Set([42, 43]), pidMax: 4194304 });
    vi.mocked(readdir).mockRejectedValueOnce(Object.assign(new Error("denied"), { code: "EACCES" }));
    expect(await h.pids()).toEqual({ notKnown: `${proc}: EACCES` });
  });
});
