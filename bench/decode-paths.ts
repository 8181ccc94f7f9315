/**
 * The decoding paths side by side on the 200,000-socket files.img, best of 5
 * each, in one run: crit JSON from the wire (what `decode` does), the
 * generated decoders feeding the same JSON writer, and readImage + toCritJson.
 * Why the wire reader stays beside the generated decoders (docs/performance.md).
 *
 *   npx tsx bench/decode-paths.ts
 */
import { readImage } from "../src/index.js";
import { CritJsonWriter, imageToCritJson, toCritJson } from "../src/json/index.js";
import { inetskFilesImage } from "./generate.js";

const bytes = inetskFilesImage(200_000);

async function best(run: () => unknown): Promise<string> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await run();
    min = Math.min(min, performance.now() - t);
  }
  return `${min.toFixed(0)} ms`;
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

console.log(
  "crit JSON from the wire (imageToCritJson):",
  await best(async () => {
    for await (const _ of await imageToCritJson(once(bytes), { name: "files.img" }));
  }),
);
console.log(
  "generated decoders + the same writer:",
  await best(() => {
    const img = readImage(bytes, { name: "files.img" });
    const w = new CritJsonWriter("FILES");
    w.head();
    for (const m of img.entries) {
      w.entry(m, undefined);
      if (w.out.pos > 1 << 20) w.take();
    }
    w.tail();
    w.take();
  }),
);
console.log("readImage + toCritJson:", await best(() => toCritJson(readImage(bytes, { name: "files.img" }))));
console.log("readImage alone:", await best(() => readImage(bytes, { name: "files.img" })));
