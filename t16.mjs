import { readFileSync } from "node:fs";
import { readImage } from "criu-image";
const b = new Uint8Array(readFileSync("/work/main/bench/out/files.img"));
for (let i = 0; i < 3; i++) { const t = performance.now(); readImage(b, { name: "files.img" }); console.log(performance.now() - t); }
