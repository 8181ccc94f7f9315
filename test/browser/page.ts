/**
 * Runs in the browser: decodes the bundled checkpoint's images with the
 * core (no Node APIs) and lists its TCP connections.
 */
import { readImage, scanFramed } from "../../src/index.js";
import { listConnections } from "../../src/tcp/index.js";

declare const CHECKPOINT: Record<string, string>; // base64 of each image, set by the test's bundler

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const images = new Map(Object.entries(CHECKPOINT).map(([n, b]) => [n, fromBase64(b)]));
const kinds = [...images].map(
  ([name, bytes]) => `${name}:${readImage(bytes, { name }).kind}:${scanFramed(bytes, { name }).entries}`,
);
const sockets = listConnections(images);
const result = {
  kinds,
  sockets: sockets.map(
    (s) =>
      `${s.kind} ${s.state} ${s.local.address}:${s.local.port} ${s.remote.address}:${s.remote.port} ${s.owners.map((o) => `${o.pid}/${o.fd}`).join(",")}`,
  ),
  hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer !== "undefined",
};
const pre = document.createElement("pre");
pre.id = "result";
pre.textContent = JSON.stringify(result);
document.body.appendChild(pre);
