// The test set of `npm run mutate` (scripts/mutate.mjs), which names the
// suites of each group in CRIU_IMAGE_MUTATE_TESTS. Stryker switches mutants inside the test
// process, so suites that only drive the code through child processes (the
// crash test, the browser and explorer pages) cannot kill a mutant and
// would only cost time; the score without them is a lower bound of the score
// with them.
import base from "./vitest.config.js";

const only = process.env.CRIU_IMAGE_MUTATE_TESTS?.split(",").map((t) => (t.endsWith("/**") ? `${t}/*.test.ts` : t));

// Spread, not mergeConfig: mergeConfig would add these lists to the base ones.
export default {
  ...base,
  test: {
    ...base.test,
    ...(only ? { include: only } : {}),
    setupFiles: [...((base.test?.setupFiles as string[] | undefined) ?? []), "test/helpers/mutate-preload.ts"],
    exclude: [
      ...(base.test?.exclude ?? []),
      "test/explorer.test.ts",
      "test/browser.test.ts",
      "test/api-report.test.ts",
      "test/layers.test.ts",
      "test/node/crash-safety.test.ts",
      // Compares src/gen with a fresh buf run; Stryker adds a ts-nocheck line to every file of its copy.
      "test/gen/schema.test.ts",
    ],
  },
};
