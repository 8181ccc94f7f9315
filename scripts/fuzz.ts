/**
 * npm run fuzz [-- COUNT [SEED]]: a long mutation-fuzzing run over the
 * shared corpus (default one million inputs). Exits non-zero on the first
 * input that fails with anything but a typed error, or that is accepted but
 * does not write back the same bytes; the message names the seed and input
 * number, so `npm run fuzz -- N SEED` replays it.
 */
import { runFuzz } from "../test/fuzz/run.js";

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 100000);
const t0 = Date.now();
console.log(`fuzz: ${count} inputs, seed ${seed}`);
const stats = await runFuzz(count, seed, (s) => {
  const rate = s.inputs / ((Date.now() - t0) / 1000);
  process.stderr.write(`\r${s.inputs} inputs, ${s.rejected} rejected, ${rate.toFixed(0)}/s   `);
});
process.stderr.write("\n");
console.log(
  `fuzz: done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${stats.inputs} inputs (${stats.images} images, ${stats.json} JSON, ${stats.tcp} TCP), ${stats.accepted} accepted, ${stats.rejected} rejected with typed errors, slowest ${stats.slowest.ms.toFixed(0)} ms`,
);
