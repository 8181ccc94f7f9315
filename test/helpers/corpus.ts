import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The shared corpus of real CRIU 4.2 checkpoints lives beside the checkout
 * (../shared/criu), in CI too. CRIU_IMAGE_CORPUS points elsewhere.
 */
export const corpusRoot = resolve(
  process.env.CRIU_IMAGE_CORPUS ?? join(dirname(fileURLToPath(import.meta.url)), "../../../shared/criu"),
);

export function requireCorpus(): string {
  if (!existsSync(join(corpusRoot, "images"))) {
    throw new Error(`shared corpus not found at ${corpusRoot}; set CRIU_IMAGE_CORPUS`);
  }
  return corpusRoot;
}

export interface CorpusImage {
  scenario: string;
  name: string;
  path: string;
  bytes: Uint8Array;
}

export function corpusScenarios(): string[] {
  return readdirSync(join(requireCorpus(), "images")).sort();
}

export function corpusImages(): CorpusImage[] {
  const out: CorpusImage[] = [];
  for (const scenario of corpusScenarios()) {
    const dir = join(corpusRoot, "images", scenario);
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      out.push({ scenario, name, path, bytes: new Uint8Array(readFileSync(path)) });
    }
  }
  return out;
}

/** Splits bytes at the given cut points (sorted, deduplicated, within range). */
export function chunkAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

export async function* asAsync(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}
