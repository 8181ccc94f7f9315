/**
 * A fresh temporary folder for each test of a file, removed after it with
 * every spy restored: the fixture of the suites that write files.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, vi } from "vitest";

/** Registers the fixture; `set` receives each test's folder. */
export function tempDirPerTest(prefix: string, set: (dir: string) => void): void {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    set(dir);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
}
