/** The README and docs/robustness.md make the same promises, in the same words. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
/** The bullets of a section, from its heading to the next blank line after them. */
function promises(file: string, heading: string): string {
  const text = readFileSync(join(root, file), "utf8");
  const at = text.indexOf(`${heading}\n\n`);
  expect(at, `${file} has "${heading}"`).toBeGreaterThanOrEqual(0);
  const body = text.slice(at + heading.length + 2);
  return body.slice(0, body.search(/\n\n(?!- | {2})/));
}

describe("the safety promises", () => {
  it("are word for word the same in the README and docs/robustness.md", () => {
    const readme = promises("README.md", "## Safety");
    expect(readme).toMatch(/^- \*\*A hostile archive\*\*/);
    expect(readme).toContain("- **A hostile local user**");
    expect(readme).toContain("- **A crash**");
    expect(promises("docs/robustness.md", "## What criu-image promises")).toBe(readme);
  });
});
