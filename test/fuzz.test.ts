import { describe, expect, it } from "vitest";
import { runFuzz } from "./fuzz/run.js";

// A short, seed-stable run for CI; `npm run fuzz -- COUNT SEED` runs a long one.
const COUNT = Number(process.env.CRIU_IMAGE_FUZZ_COUNT ?? 4000);

describe("mutation fuzzing over the real images", () => {
  it(`${COUNT} mutated inputs: typed errors only, and every accepted image writes back its bytes`, async () => {
    const stats = await runFuzz(COUNT, 1);
    console.log(
      `fuzz: ${JSON.stringify({ ...stats, slowest: { ms: Math.round(stats.slowest.ms), label: stats.slowest.label } })}`,
    );
    expect(stats.inputs).toBe(COUNT);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.accepted).toBeGreaterThan(0);
  });
});
