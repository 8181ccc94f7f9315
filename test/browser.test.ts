/**
 * The core in a real browser: a tiny page decodes the bundled checkpoint
 * and lists its TCP connections in headless Chromium (Debian's package,
 * driven by playwright-core). .ci/run installs Chromium; elsewhere the test
 * is skipped when /usr/bin/chromium is missing.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { readImage, scanFramed } from "../src/index.js";
import { listConnections } from "../src/tcp/index.js";
import { CHROMIUM, chromiumSuite, haveChromium } from "./helpers/chromium.js";
import { serveFolder } from "./helpers/serve.js";

const sample = join(__dirname, "..", "examples", "checkpoint-tcp4");

describe.skipIf(!haveChromium)(chromiumSuite("the core in headless Chromium"), () => {
  it("decodes the bundled checkpoint and lists its TCP connections, without Node APIs", async () => {
    const work = mkdtempSync(join(tmpdir(), "criu-image-browser-"));
    const images: Record<string, string> = {};
    for (const n of readdirSync(sample))
      if (!n.startsWith("pages-")) images[n] = readFileSync(join(sample, n)).toString("base64");
    // Bundled for the browser platform: any Node built-in import would fail the build.
    await build({
      entryPoints: [join(__dirname, "browser", "page.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      outfile: join(work, "page.js"),
      define: { CHECKPOINT: JSON.stringify(images) },
      logLevel: "error",
    });
    writeFileSync(
      join(work, "index.html"),
      '<!doctype html><html><body><script type="module" src="page.js"></script></body></html>',
    );
    const server = await serveFolder(work);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${server.origin}/`);
      const text = await page.locator("#result").textContent({ timeout: 20_000 });
      expect(errors).toEqual([]);
      const result = JSON.parse(text ?? "{}");
      // The same answers as in Node.
      const cp = new Map(Object.entries(images).map(([n, b]) => [n, new Uint8Array(Buffer.from(b, "base64"))]));
      expect(result.kinds).toEqual(
        [...cp].map(
          ([name, bytes]) => `${name}:${readImage(bytes, { name }).kind}:${scanFramed(bytes, { name }).entries}`,
        ),
      );
      expect(result.sockets).toEqual(
        listConnections(cp).map(
          (s) =>
            `${s.kind} ${s.state} ${s.local.address}:${s.local.port} ${s.remote.address}:${s.remote.port} ${s.owners.map((o) => `${o.pid}/${o.fd}`).join(",")}`,
        ),
      );
      expect(result.sockets).toHaveLength(3);
      expect(result.hasBuffer).toBe(false);
    } finally {
      await browser.close();
      server.close();
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
