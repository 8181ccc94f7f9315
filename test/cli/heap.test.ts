import { describe, expect, it, vi } from "vitest";

import { keepYoungGenerationSmall, youngGenerationFlag } from "../../src/cli/heap.js";

// Passed in rather than mocked: a mutation run loads heap.ts before any mock could replace node:v8.
const setFlags = vi.fn();

const node = { node: "20.20.2", v8: "11.3" };

describe("the CLI's young generation", () => {
  it("stops it growing on Node", () => {
    expect(youngGenerationFlag({ execArgv: [], nodeOptions: undefined, versions: node })).toBe(
      "--semi-space-growth-factor=1",
    );
    setFlags.mockClear();
    keepYoungGenerationSmall(
      { execArgv: ["--enable-source-maps"], nodeOptions: "--no-warnings", versions: node },
      setFlags,
    );
    expect(setFlags).toHaveBeenCalledWith("--semi-space-growth-factor=1");
  });

  it("leaves a user's own sizing, Bun and Deno alone", () => {
    for (const c of [
      { execArgv: ["--max-semi-space-size=32"], nodeOptions: undefined, versions: node },
      { execArgv: [], nodeOptions: "--min-semi-space-size=4 --no-warnings", versions: node },
      { execArgv: ["--semi-space-growth-factor=4"], nodeOptions: undefined, versions: node },
      { execArgv: [], nodeOptions: undefined, versions: { ...node, bun: "1.2.0" } },
      { execArgv: [], nodeOptions: undefined, versions: { ...node, deno: "2.1.0" } },
    ]) {
      expect(youngGenerationFlag(c)).toBeUndefined();
      setFlags.mockClear();
      keepYoungGenerationSmall(c, setFlags);
      expect(setFlags).not.toHaveBeenCalled();
    }
  });

  it("keeps the defaults where the runtime refuses the flag", () => {
    setFlags.mockImplementationOnce(() => {
      throw new Error("unknown flag");
    });
    expect(() =>
      keepYoungGenerationSmall({ execArgv: [], nodeOptions: undefined, versions: node }, setFlags),
    ).not.toThrow();
  });
});
