/**
 * Mutation runs only (vitest.mutate.config.ts): loads the modules a group
 * mutates before any test, so their top-level code (tables, constants) is
 * static to Stryker, as it is, rather than covered by whichever test loads
 * the module first (a CLI command, imported when the command runs), which
 * cannot switch it. scripts/mutate.mjs names the files.
 */
import { resolve } from "node:path";

for (const file of process.env.CRIU_IMAGE_MUTATE_FILES?.split(",").filter(Boolean) ?? []) await import(resolve(file));
