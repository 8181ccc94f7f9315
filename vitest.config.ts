import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { lazySchemaTarget } from "./scripts/lazy-schema.mjs";

const tests = resolve(import.meta.dirname, "test");
const corpus = resolve(process.env.CRIU_IMAGE_CORPUS ?? join(import.meta.dirname, "..", "shared", "criu"));

/** Test files that read the shared corpus: they import, maybe through other test modules, helpers/corpus.ts. */
function corpusSuites(): string[] {
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
  return all.filter((f) => f.endsWith(".test.ts") && reads.has(f)).map((f) => f.slice(import.meta.dirname.length + 1));
}

// A clone without ../shared/criu runs everything else; CI always has the corpus, so there its absence fails.
const skipped = existsSync(join(corpus, "images")) || process.env.CI ? [] : corpusSuites();
if (skipped.length > 0)
  console.log(
    `criu-image: no corpus at ${corpus}: ${skipped.length} suites that read it are skipped (set CRIU_IMAGE_CORPUS)`,
  );

export default defineConfig({
  // As in the bundles (tsup.config.ts): src/gen's descriptors are built on first use.
  plugins: [
    {
      name: "criu-image-lazy-schema",
      enforce: "pre",
      resolveId: lazySchemaTarget,
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...skipped],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
