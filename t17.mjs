import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { readFramed, scanFramed } from "criu-image/framing";
import { file_entrySchema, readImage } from "criu-image";
const b = new Uint8Array(readFileSync("/work/main/bench/out/files.img"));
const f = readFramed(b, { name: "files.img" });
for (let i = 0; i < 3; i++) {
  let t = performance.now(); readFramed(b, { name: "files.img" }); const a = performance.now() - t;
  t = performance.now(); for (const e of f.entries) fromBinary(file_entrySchema, e.payload); const c = performance.now() - t;
  t = performance.now(); readImage(b, { name: "files.img" }); const d = performance.now() - t;
  console.log(`framing ${a.toFixed(0)} plainFromBinary ${c.toFixed(0)} readImage ${d.toFixed(0)}`);
}
