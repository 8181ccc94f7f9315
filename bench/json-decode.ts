/**
 * crit vs criu-image: decoding a files.img of 200,000 INETSK entries to JSON,
 * compact and --pretty, measured in the same run. crit is Debian's
 * (`apt-get install criu`, /usr/bin/crit).
 *
 *   npm run build && npx tsx bench/json-decode.ts [ENTRIES]
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inetskFilesImage } from "./generate.js";
import { best, fmt } from "./run.js";

const here = dirname(fileURLToPath(import.meta.url));

const n = Number(process.argv[2] ?? 200_000);
const out = join(here, "out");
mkdirSync(out, { recursive: true });
const img = join(out, "files.img");
writeFileSync(img, inetskFilesImage(n));
const cli = join(here, "..", "dist", "cli.js");
if (!existsSync(cli)) throw new Error("run npm run build first");
const crit = process.env.CRIT ?? "/usr/bin/crit";
if (!existsSync(crit)) throw new Error(`${crit} not found: apt-get install criu`);

const rows: string[] = [];
for (const pretty of [false, true]) {
  const flag = pretty ? ["--pretty"] : [];
  const c = best(1, [crit, "decode", ...flag, "-i", img, "-o", join(out, "crit.json")]);
  const o = best(3, [process.execPath, cli, "decode", ...flag, "-i", img, "-o", join(out, "ours.json")]);
  rows.push(
    `| ${pretty ? "pretty" : "compact"} | ${fmt(c.seconds)} s | ${fmt(c.peakMiB, 0)} MiB | ${fmt(o.seconds)} s | ${fmt(o.peakMiB, 0)} MiB | ${fmt(c.seconds / o.seconds, 1)}× |`,
  );
}
const table = [
  `files.img with ${n} INETSK entries (${existsSync(img) ? "generated" : ""}), decode to JSON with -o FILE:`,
  "",
  "| form | crit time | crit peak RSS | criu-image time | criu-image peak RSS | speed-up |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
console.log(table);
writeFileSync(join(out, "json-decode.md"), `${table}\n`);
