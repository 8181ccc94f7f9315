/** A static file server on 127.0.0.1 for pages driven in headless Chromium (tests and benchmarks). */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

/** Serves `dir` ("/" is index.html) on a free port; never a file outside it. */
export async function serveFolder(dir: string): Promise<{ origin: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = join(dir, req.url === "/" ? "index.html" : decodeURIComponent((req.url ?? "").slice(1)));
    if (!path.startsWith(dir) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}
