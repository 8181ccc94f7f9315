#!/usr/bin/env node
import { keepYoungGenerationSmall } from "./heap.js";
import { main } from "./main.js";

keepYoungGenerationSmall();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`criu-image: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
