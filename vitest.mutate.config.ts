// The test set of `npm run mutate`. Stryker switches mutants inside the test
// process, so suites that only drive the code through child processes (the
// CLI, the crash test, the browser and explorer pages) cannot kill a mutant and
// would only cost time; the score without them is a lower bound of the score
// with them.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "test/explorer.test.ts",
        "test/browser.test.ts",
        "test/api-report.test.ts",
        "test/layers.test.ts",
        "test/cli/edges.test.ts",
        "test/cli/progress.test.ts",
        "test/node/crash-safety.test.ts",
      ],
    },
  }),
);
