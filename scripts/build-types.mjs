/**
 * The published types: one declaration file per source file (dist/types),
 * so each declaration exists once however many subpaths reach it (a bundled
 * .d.ts per subpath carried its own copy of the ~150 generated message
 * types). A .d.cts twin of each, with its imports pointing at .cjs, types
 * the CommonJS entry points. Names marked @internal are left out.
 *
 *   node scripts/build-types.mjs   (after tsup; npm run build runs both)
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "types");
rmSync(out, { recursive: true, force: true });
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tsconfig.types.json")], {
  cwd: root,
  stdio: "inherit",
});

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".d.ts") ? [join(dir, d.name)] : [],
  );
let n = 0;
for (const f of files(out)) {
  const text = readFileSync(f, "utf8").replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.js\2/g, "$1$2$3.cjs$2");
  writeFileSync(f.replace(/\.d\.ts$/, ".d.cts"), text);
  n++;
}
console.log(`build-types: ${n} declaration files, each with a .d.cts twin, in dist/types`);
