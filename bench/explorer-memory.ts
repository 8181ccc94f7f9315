/**
 * The explorer on the 10k-connection, 256 MiB-pages checkpoint (298 MB as a
 * tar): the page's JavaScript heap while the archive streams in, is
 * inspected, and its biggest process's memory map is drawn. Pages stay
 * Blobs, so the heap should stay far below the checkpoint's size.
 *
 *   npx tsx bench/explorer-memory.ts [ARCHIVE]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";
import { serveFolder } from "../test/helpers/serve.js";
import { inspectArchive } from "./inspect-archive.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
/** RSS (bytes) of every Chromium process, by kind: the renderer holds the page, the browser process the Blobs. */
function chromiumRss(): { renderer: number; all: number } {
  let renderer = 0;
  let all = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("chromium")) continue;
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      all += kb * 1024;
      if (cmd.includes("--type=renderer")) renderer += kb * 1024;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { renderer, all };
}

export interface ExplorerMemory {
  archive: string;
  archiveMiB: number;
  seconds: number;
  /** The page's JavaScript heap (ArrayBuffer contents are outside it). */
  peakHeapMiB: number;
  /** Renderer processes' RSS, and all of Chromium's, at their peaks. */
  peakRendererMiB: number;
  peakChromiumMiB: number;
  /** The same before the archive was picked. */
  idleRendererMiB: number;
  idleChromiumMiB: number;
}

export async function explorerMemory(archive?: string): Promise<ExplorerMemory> {
  const tar = archive ?? join(out, "big.tar.zst");
  if (!existsSync(tar)) inspectArchive(); // makes the archive
  const site = join(out, "explorer-site");
  await build({
    root: join(here, "..", "examples", "explorer"),
    logLevel: "error",
    build: { outDir: site, emptyOutDir: true },
  });
  const server = await serveFolder(site);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(`${server.origin}/`);
    let peak = 0;
    let sampling = true;
    const idle = chromiumRss();
    const top = { ...idle };
    const sample = async () => {
      while (sampling) {
        const { metrics } = await cdp.send("Performance.getMetrics");
        peak = Math.max(peak, metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0);
        const now = chromiumRss();
        top.renderer = Math.max(top.renderer, now.renderer);
        top.all = Math.max(top.all, now.all);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const sampler = sample();
    const t = performance.now();
    await page.getByTestId("main-archive").setInputFiles(tar);
    await page.getByRole("tablist").waitFor({ timeout: 600_000 });
    await page.getByRole("tab", { name: "Memory", exact: true }).click();
    await page.getByTestId("memory-map").waitFor({ timeout: 600_000 });
    const seconds = (performance.now() - t) / 1000;
    sampling = false;
    await sampler;
    const mib = (n: number) => n / 2 ** 20;
    return {
      archive: basename(tar),
      archiveMiB: mib(statSync(tar).size),
      seconds,
      peakHeapMiB: mib(peak),
      peakRendererMiB: mib(top.renderer),
      peakChromiumMiB: mib(top.all),
      idleRendererMiB: mib(idle.renderer),
      idleChromiumMiB: mib(idle.all),
    };
  } finally {
    await browser.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await explorerMemory(process.argv[2]);
  const f = (n: number) => n.toFixed(0);
  console.log(
    `explorer opening the 10k-connection, 256 MiB-pages checkpoint (${r.archive}, ${r.archiveMiB.toFixed(1)} MiB) and drawing its memory map: ${r.seconds.toFixed(1)} s; peak JS heap ${f(r.peakHeapMiB)} MiB; renderer RSS ${f(r.idleRendererMiB)} → peak ${f(r.peakRendererMiB)} MiB; all Chromium RSS ${f(r.idleChromiumMiB)} → peak ${f(r.peakChromiumMiB)} MiB`,
  );
}
