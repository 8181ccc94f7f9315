// npm run mutate [-- --mutate FILES]: StrykerJS over the core (stryker.config.json).
// The tests find the shared corpus relative to themselves, which Stryker's
// sandbox copy would break, so its absolute path is passed on.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, CRIU_IMAGE_CORPUS: process.env.CRIU_IMAGE_CORPUS ?? join(root, "..", "shared", "criu") };
const r = spawnSync("npx", ["stryker", "run", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
process.exit(r.status ?? 1);
