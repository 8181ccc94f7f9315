/** The public API never changes by accident: docs/api-report.md must be what the sources export. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script, without types
import { apiReport } from "../scripts/api-report.mjs";

describe("API report", () => {
  it("docs/api-report.md lists every export of every subpath, as the sources have them", () => {
    const want = readFileSync(join(__dirname, "..", "docs", "api-report.md"), "utf8");
    const have = apiReport() as string;
    expect(have.split("\n").length).toBeGreaterThan(100);
    expect(have, "the API changed: run npm run api-report, review docs/api-report.md and commit it").toBe(want);
  });
});
