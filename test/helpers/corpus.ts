import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusRoot } from "./corpus-suites.js";

export { corpusRoot };

export function requireCorpus(): string {
  if (!existsSync(join(corpusRoot, "images"))) {
    throw new Error(`shared corpus not found at ${corpusRoot}; set CRIU_IMAGE_CORPUS`);
  }
  return corpusRoot;
}

/** One dump of the corpus: a flat dump of images/, or one step of a chain. */
export interface CorpusDump {
  /** "tcp4", or "predump/2" for a chain step. */
  scenario: string;
  /** The images folder. */
  dir: string;
  /** crit's output for it. */
  crit: string;
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

/** Every dump: the flat ones of images/ and each step of every chain. */
export function corpusDumps(): CorpusDump[] {
  const out: CorpusDump[] = corpusScenarios().map((s) => ({
    scenario: s,
    dir: join(corpusRoot, "images", s),
    crit: join(corpusRoot, "crit", s),
  }));
  const chains = join(corpusRoot, "chains", "images");
  if (existsSync(chains)) {
    for (const chain of readdirSync(chains).sort()) {
      for (const step of readdirSync(join(chains, chain)).sort()) {
        out.push({
          scenario: `${chain}/${step}`,
          dir: join(chains, chain, step),
          crit: join(corpusRoot, "chains", "crit", chain, step),
        });
      }
    }
  }
  return out;
}

/** `parent` is the link to the previous dump of a chain, not an image. */
const isImageFile = (dir: string, name: string) => name !== "parent" && lstatSync(join(dir, name)).isFile();

/** Every image file of every dump (chains included). */
export function corpusImages(): CorpusImage[] {
  const out: CorpusImage[] = [];
  for (const { scenario, dir } of corpusDumps()) {
    for (const name of readdirSync(dir).sort()) {
      if (!isImageFile(dir, name)) continue;
      const path = join(dir, name);
      out.push({ scenario, name, path, bytes: new Uint8Array(readFileSync(path)) });
    }
  }
  return out;
}

/** The crit output folder of a dump, by its scenario label. */
export function critDir(scenario: string): string {
  const d = corpusDumps().find((x) => x.scenario === scenario);
  if (!d) throw new Error(`no corpus dump ${scenario}`);
  return d.crit;
}

/** Golden files of every dump whose name ends in one of `suffixes`, as [scenario, file name]. */
export function goldenFiles(suffixes: readonly string[]): [scenario: string, file: string][] {
  const out: [string, string][] = [];
  for (const d of corpusDumps()) {
    if (!existsSync(d.crit)) continue;
    for (const f of readdirSync(d.crit).sort()) {
      if (suffixes.some((s) => f.endsWith(s))) out.push([d.scenario, f]);
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
