/**
 * recover puts in place only files criu-image wrote: a journal whose
 * temporary file is a planted symbolic link, a hard link or a special file
 * is refused before anything is renamed, and the target is never touched.
 */
import { cpSync, linkSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recoverCheckpointDir } from "../../src/node/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

describe("recover with a planted temporary file", () => {
  let dir = "";
  tempDirPerTest("criu-image-recover-", (d) => {
    dir = d;
  });

  for (const plant of ["symlink", "hardlink"] as const)
    it(`refuses a ${plant} as the new image, renaming nothing`, async () => {
      const cp = join(dir, "cp");
      cpSync(join(corpusRoot, "images", "tcp4"), cp, { recursive: true, verbatimSymlinks: true });
      const secret = join(dir, "secret");
      writeFileSync(secret, "s3cr3t");
      const tmp = ".criu-image-tmp-0123456789ab-files.img";
      if (plant === "symlink") symlinkSync(secret, join(cp, tmp));
      else linkSync(secret, join(cp, tmp));
      writeFileSync(join(cp, ".criu-image-journal"), JSON.stringify([[tmp, "files.img"]]));
      const before = readFileSync(join(cp, "files.img"));
      const e = await recoverCheckpointDir(cp).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as { code?: string }).code).toBe("JOURNAL");
      expect((e as Error).message).toMatch(
        plant === "symlink"
          ? /is a symbolic link, which criu-image never writes/
          : /has 2 links, which criu-image never writes/,
      );
      expect(readFileSync(join(cp, "files.img")).equals(before)).toBe(true);
      expect(readFileSync(secret, "utf8")).toBe("s3cr3t");
      const r = await runCli(["recover", cp]);
      expect(r.code).toBe(1);
      // verify reads the committed state only through a file it may read: it never follows the planted link.
      expect((await runCli(["verify", cp])).stdout.toString()).not.toContain("s3cr3t");
    });
});
