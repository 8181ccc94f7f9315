import { readdirSync, readFileSync, existsSync } from "node:fs";
import { readImage } from "./src/index.js";
import { toCritJson, critInfo } from "./src/json/to-crit.js";
const root = "/work/shared/criu";
let ok = 0, bad = 0, missing = 0;
for (const sc of readdirSync(`${root}/images`)) for (const f of readdirSync(`${root}/images/${sc}`)) {
  const img = readImage(new Uint8Array(readFileSync(`${root}/images/${sc}/${f}`)), { name: f });
  if (img.format === "raw") continue;
  for (const [suffix, fn] of [[".json", () => toCritJson(img)], [".pretty.json", () => toCritJson(img, { pretty: true })], [".info.json", () => critInfo(img)]] as const) {
    const p = `${root}/crit/${sc}/${f}${suffix}`;
    if (!existsSync(p)) { missing++; continue; }
    const want = readFileSync(p, "utf8");
    const got = fn();
    if (got === want) ok++; else { bad++; if (bad < 6) { let i = 0; while (got[i] === want[i]) i++; console.log("DIFF", sc, f, suffix, i, JSON.stringify(want.slice(Math.max(0,i-80), i+80)), "\nGOT ", JSON.stringify(got.slice(Math.max(0,i-80), i+80))); } }
  }
}
console.log({ ok, bad, missing });
