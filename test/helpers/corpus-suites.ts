/**
 * Where the shared corpus is, and which test files read it: vitest.config.ts
 * leaves them out when it is missing, and says so. This module must not
 * import helpers/corpus.ts (a file that does is a corpus suite).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The shared corpus of real CRIU 4.2 checkpoints lives beside the checkout
 * (../shared/criu), in CI too. CRIU_IMAGE_CORPUS points elsewhere.
 */
export const corpusRoot = resolve(
  process.env.CRIU_IMAGE_CORPUS ?? join(dirname(fileURLToPath(import.meta.url)), "../../../shared/criu"),
);

/** Test files (relative to `root`) that import, maybe through other test modules, test/helpers/corpus.ts. */
export function corpusSuites(root: string): string[] {
  const tests = join(root, "test");
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
    );
  const all = files(tests);
  const imports = new Map(
    all.map((f) => [
      f,
      [...readFileSync(f, "utf8").matchAll(/from\s+["'](\.{1,2}\/[^"']+)\.js["']/g)].map((m) =>
        resolve(join(f, ".."), `${m[1]}.ts`),
      ),
    ]),
  );
  const reads = new Set([join(tests, "helpers", "corpus.ts")]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [f, deps] of imports)
      if (!reads.has(f) && deps.some((d) => reads.has(d))) {
        reads.add(f);
        grew = true;
      }
  }
  return all.filter((f) => f.endsWith(".test.ts") && reads.has(f)).map((f) => f.slice(root.length + 1));
}
