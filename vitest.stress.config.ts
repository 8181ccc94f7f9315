import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// npm run test:stress: the cases too slow for every run of the suite (CI runs both).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/stress/**/*.stress.ts", "test/node/crash-safety.test.ts"],
    env: { CRIU_IMAGE_KILLS: "120" },
    testTimeout: 600_000,
  },
});
