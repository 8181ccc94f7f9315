/**
 * The explorer (examples/explorer), built as it is shipped and driven in
 * Debian's headless Chromium: a Podman archive and a folder are opened
 * through the page's file inputs, and what the page shows is checked
 * against the corpus README and the library. Screenshots of every view go
 * to EXPLORER_SCREENSHOTS (docs/explorer/ when refreshing the docs), else
 * to a temporary folder.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectCheckpoint } from "../src/inspect/index.js";
import { openCheckpoint, rewriteCheckpointDir } from "../src/node/index.js";
import { CHROMIUM, chromiumSuite, haveChromium } from "./helpers/chromium.js";
import { corpusRoot } from "./helpers/corpus.js";
import { memoryMarkers } from "./helpers/markers.js";
import { serveFolder } from "./helpers/serve.js";

const root = join(__dirname, "..", "examples", "explorer");
const work = mkdtempSync(join(tmpdir(), "criu-image-explorer-"));
const site = join(work, "site");
const shots = process.env.EXPLORER_SCREENSHOTS ?? join(work, "shots");
const archive = join(corpusRoot, "archives", "podman-web.tar.zst");
const memoryDir = join(corpusRoot, "images", "memory");
const tcp4 = join(corpusRoot, "images", "tcp4");

let browser: Browser;
let page: Page;
let server: { origin: string; close: () => void } | undefined;
let origin = "";
/** Requests the page made after its first load (blob: and data: URLs are not requests). */
const requests: string[] = [];
let loaded = false;

beforeAll(async () => {
  if (!haveChromium) return;
  await build({ root, logLevel: "error", build: { outDir: site, emptyOutDir: true } });
  server = await serveFolder(site);
  origin = server.origin;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page.on("pageerror", (e) => requests.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (loaded && !/^(blob|data):/.test(r.url())) requests.push(r.url());
  });
  await page.goto(`${origin}/`, { waitUntil: "load" });
  loaded = true;
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function view(name: string): Promise<void> {
  await page.getByRole("tab", { name, exact: true }).click();
  await page.getByRole("tabpanel").waitFor();
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** Back to the start page, then a checkpoint through one of its inputs. */
async function open(input: "main-archive" | "main-folder", path: string): Promise<void> {
  if (await page.getByRole("button", { name: "Open another" }).isVisible())
    await page.getByRole("button", { name: "Open another" }).click();
  await page.getByTestId(input).setInputFiles(path);
  await page.getByRole("tablist").waitFor({ timeout: 60_000 });
}

describe.skipIf(!haveChromium)(chromiumSuite("the explorer in headless Chromium"), () => {
  it("says nothing leaves the machine", async () => {
    expect(await page.getByTestId("privacy").textContent()).toMatch(/Nothing leaves this machine/);
    await shot("start");
  });

  it("opens a Podman archive: overview and the process tree with pids and commands", async () => {
    await open("main-archive", archive);
    await view("Overview");
    const expected = await inspectCheckpoint(await openCheckpoint(archive));
    expect(await page.getByTestId("container").textContent()).toContain(expected.container?.name ?? "no name");
    expect(expected.container?.name).toBe("web"); // the corpus README's container
    await shot("overview");
    // Keyboard: the arrow keys move between the views.
    await page.getByRole("tab", { name: "Overview", exact: true }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "Processes", exact: true }).getAttribute("aria-selected")).toBe("true");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Processes");
    await view("Processes");
    const tree = page.getByTestId("process-tree");
    for (const p of expected.processes) {
      const node = tree.locator(`[data-pid="${p.pid}"]`);
      await expect.poll(() => node.count()).toBe(1);
      expect(await node.textContent()).toContain(p.comm);
      if (p.cmdline) expect(await node.textContent()).toContain(p.cmdline.join(" "));
    }
    // The README: sh is pid 1, started as sh -c '…tick…', and sleep is its child.
    expect(await tree.locator('[data-pid="1"]').textContent()).toMatch(/^1 sh .*sh -c i=0; while/);
    expect(expected.processes.find((p) => p.comm === "sleep")?.ppid).toBe(1);
    // Secrets are masked until asked for; the README's -e variables are in sh's environment.
    await tree.locator('[data-pid="1"]').click();
    expect(await page.getByTestId("env").textContent()).toContain("APP_ENV=corpus");
    await shot("processes");
    await view("Mounts");
    expect(await page.getByRole("tabpanel").textContent()).toMatch(/Mount namespace \d+: \d+ mounts/);
    await shot("mounts");
    await view("Raw");
    expect(await page.getByTestId("raw-json").textContent()).toMatch(/"magic": "PSTREE"/);
    await shot("raw");
  });

  it("searches memory and marks a documented marker at its address", async () => {
    await open("main-folder", memoryDir);
    await view("Memory");
    await expect.poll(() => page.getByTestId("memory-map").locator("g.vma").count()).toBeGreaterThan(3);
    const heap = memoryMarkers().find((m) => m.name === "MARK-HEAP-alpha");
    expect(heap?.address).toBeDefined();
    await page.getByTestId("search").fill("MARK-HEAP-alpha");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByRole("status").last().textContent(), { timeout: 60_000 }).toMatch(/^1 match$/);
    const mark = page.locator(`[data-mark-address="0x${heap?.address?.toString(16)}"]`);
    expect(await mark.count()).toBe(1);
    await page.getByTestId("search-results").getByRole("button").first().click();
    // The hexdump opens at the match's 16-byte line: the marker's first bytes end that line.
    const address = heap?.address as bigint;
    const line = (address - (address % 16n)).toString(16).padStart(12, "0");
    const head = "MARK-HEAP-alpha".slice(0, 16 - Number(address % 16n));
    await expect
      .poll(async () =>
        ((await page.getByTestId("hexdump").textContent()) ?? "").split("\n").find((l) => l.startsWith(line)),
      )
      .toMatch(new RegExp(`${head}$`));
    await shot("memory");
    // The selected process's core, made in the page: an ELF core whose memory holds the marker.
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 120_000 }),
      page.getByTestId("download-core").click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^core\.\d+$/);
    const file = await download.path();
    const core = readFileSync(file as string);
    expect([...core.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(core.readUInt16LE(16)).toBe(4);
    expect(core.includes(Buffer.from("MARK-HEAP-alpha"))).toBe(true);
  });

  it("diffs tcp4 against a rewritten copy: the two changed endpoints", async () => {
    const copy = join(work, "tcp4-rewritten");
    cpSync(tcp4, copy, { recursive: true, verbatimSymlinks: true });
    await rewriteCheckpointDir(copy, [
      { kind: "endpoint", from: { address: "127.0.0.2", port: 45002 }, to: { address: "10.9.8.7", port: 45002 } },
    ]);
    await open("main-folder", tcp4);
    await view("Files & sockets");
    // The graph has one edge per connection: the two sockets of tcp4's pair share one, as the library lists them.
    const inet = (await inspectCheckpoint(await openCheckpoint(tcp4))).sockets.inet;
    const pairs = new Set(
      inet
        .filter((x) => x.kind === "tcp" && x.remote.port !== 0)
        .map((x) => [`${x.local.address}:${x.local.port}`, `${x.remote.address}:${x.remote.port}`].sort().join(" ")),
    );
    expect(pairs.size).toBeGreaterThan(0);
    expect(await page.getByTestId("tcp-graph").locator("line.edge").count()).toBe(pairs.size);
    await shot("files");
    await view("Diff");
    await page.getByTestId("other-folder").setInputFiles(copy);
    const table = page.getByTestId("diff-table");
    await table.waitFor({ timeout: 60_000 });
    const rows = await table.locator("tbody tr").allTextContents();
    const endpoints = rows.filter((r) => /127\.0\.0\.2/.test(r) && /10\.9\.8\.7/.test(r) && /socket/.test(r));
    expect(endpoints.length).toBe(2);
    await shot("diff");
  });

  it("made no network request after loading", () => {
    expect(requests).toEqual([]);
  });
});
