/** The README and docs/robustness.md make the same promises, in the same words; shipped links resolve. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
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

describe("links in the Markdown the package ships", () => {
  it("point at files it ships (npm resolves them against the repository; a tarball reader opens them)", () => {
    const pack = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root });
    const files = new Set(
      (JSON.parse(pack.toString()) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path),
    );
    const markdown = [...files].filter((f) => f.endsWith(".md"));
    expect(markdown).toContain("README.md");
    const broken: string[] = [];
    for (const file of markdown) {
      const text = readFileSync(join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(target as string)) continue;
        const path = posix.normalize(posix.join(posix.dirname(file), (target as string).split("#")[0] as string));
        if (!files.has(path)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
