/**
 * Without the shared corpus, the suites that read it cannot even load:
 * vitest.config.ts leaves them out, and this file reports each as a skipped
 * test with the reason, so the runner's own summary counts them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { corpusRoot as corpus, corpusSuites } from "./helpers/corpus-suites.js";

const root = join(__dirname, "..");
const missing = !existsSync(join(corpus, "images"));

describe.skipIf(!missing)(
  `suites that read the corpus (skipped: no corpus at ${corpus}; set CRIU_IMAGE_CORPUS)`,
  () => {
    for (const suite of missing ? corpusSuites(root) : []) it.skip(suite, () => {});
  },
);
