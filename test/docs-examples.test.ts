/**
 * Every TypeScript block of the README and docs/*.md compiles as written,
 * against the sources (`criu-image/x` is src/x), as a user's ES module
 * would: a block that uses a name it never defines, an API that is gone,
 * or a wrong type fails here.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const out = join(root, "test", ".docs-examples");
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The ```ts blocks of a Markdown file. */
function blocks(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(/```ts\n(.*?)```/gs)].map((m) => m[1] as string);
}

/** Package imports pointed at the sources, as the package's exports map them. */
const SUBPATH: Record<string, string> = { "": "index", schema: "gen/index" };
const resolved = (code: string) =>
  code.replace(/from "criu-image(?:\/([a-z-]+))?"/g, (_m, sub: string | undefined) => {
    const target = SUBPATH[sub ?? ""] ?? `${sub}/index`;
    return `from "../../src/${target}.js"`;
  });

describe("the docs' code", () => {
  it("compiles as written: every ```ts block of README.md and docs/*.md", () => {
    const files = [
      "README.md",
      ...readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    mkdirSync(out, { recursive: true });
    const written: string[] = [];
    for (const f of files)
      blocks(f).forEach((code, i) => {
        const name = join(out, `${f.replace(/[/.]/g, "-")}-${i}.mts`);
        // Each block is a module of its own (an import or export makes it one; top-level await needs it).
        writeFileSync(name, `${resolved(code)}\nexport {};\n`);
        written.push(name);
      });
    expect(written.length).toBeGreaterThanOrEqual(6);
    const tsc = join(root, "node_modules", ".bin", "tsc");
    const args = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext"];
    let text = "";
    try {
      execFileSync(tsc, [...args, "--moduleResolution", "nodenext", "--lib", "es2022,dom", ...written], {
        cwd: root,
        encoding: "utf8",
      });
    } catch (e) {
      text = (e as { stdout?: string }).stdout ?? String(e);
    }
    expect(text).toBe("");
  }, 120_000);
});
