/**
 * The fuzz loop, shared by the CI test (short, seed-stable) and
 * `npm run fuzz` (a million inputs or more).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusImages, corpusRoot } from "../helpers/corpus.js";
import { mutate, rng } from "./mutate.js";
import { fuzzImage, fuzzJson, fuzzTcp } from "./targets.js";

export interface FuzzStats {
  inputs: number;
  accepted: number;
  rejected: number;
  images: number;
  json: number;
  tcp: number;
  slowest: { ms: number; label: string };
}

export async function runFuzz(total: number, seed: number, onProgress?: (s: FuzzStats) => void): Promise<FuzzStats> {
  const images = corpusImages().filter((i) => i.bytes.length < 200_000);
  const goldens = readdirSync(join(corpusRoot, "crit", "tcp4"))
    .filter((f) => f.endsWith(".json") && !f.endsWith(".info.json"))
    .map((f) => readFileSync(join(corpusRoot, "crit", "tcp4", f), "utf8"));
  const tcpBase = new Map(images.filter((i) => i.scenario === "tcp4").map((i) => [i.name, i.bytes]));
  const r = rng(seed);
  const s: FuzzStats = {
    inputs: 0,
    accepted: 0,
    rejected: 0,
    images: 0,
    json: 0,
    tcp: 0,
    slowest: { ms: 0, label: "" },
  };
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    const pick = r();
    let ok: boolean;
    let label: string;
    if (pick < 0.8) {
      const img = images[Math.floor(r() * images.length)] as (typeof images)[number];
      const { bytes, how } = mutate(img.bytes, r);
      label = `seed ${seed} input ${i}: ${img.scenario}/${img.name} ${how.join("+")}`;
      // Half the time without the name, so kinds are found by magic alone.
      ok = await fuzzImage(bytes, r() < 0.5 ? img.name : undefined, i, label);
      s.images++;
    } else if (pick < 0.9) {
      const text = goldens[Math.floor(r() * goldens.length)] as string;
      const { bytes, how } = mutate(new TextEncoder().encode(text), r);
      label = `seed ${seed} input ${i}: json ${how.join("+")}`;
      ok = fuzzJson(new TextDecoder().decode(bytes), label);
      s.json++;
    } else {
      const cp = new Map(tcpBase);
      const target = ["files.img", "fdinfo-2.img", "pstree.img", "ids-11202.img", "inventory.img"][
        Math.floor(r() * 5)
      ] as string;
      const { bytes, how } = mutate(cp.get(target) as Uint8Array, r);
      cp.set(target, bytes);
      label = `seed ${seed} input ${i}: tcp ${target} ${how.join("+")}`;
      ok = fuzzTcp(cp, label);
      s.tcp++;
    }
    const ms = performance.now() - t0;
    if (ms > s.slowest.ms) s.slowest = { ms, label };
    if (ms > 2000) throw new Error(`${label}: took ${ms.toFixed(0)} ms (a hang?)`);
    s.inputs++;
    if (ok) s.accepted++;
    else s.rejected++;
    if (onProgress && i % 10000 === 0) onProgress(s);
  }
  return s;
}
