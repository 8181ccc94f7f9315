/** Which test files read the shared corpus: vitest.config.ts leaves them out when it is missing, and says so. */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

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
