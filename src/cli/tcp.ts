/** `tcp list` and `tcp rewrite`: the TCP helpers on a checkpoint folder or archive. */

import { displayEndpoint } from "../image/address.js";
import type { InetSocket } from "../inspect/inet.js";
import { pathKind } from "../node/path-kind.js";
import { rewriteCheckpointDir, rewriteCheckpointsTogether } from "../node/rewrite.js";
import { TcpRewriteError } from "../tcp/errors.js";
import { crossPairs, eachConnection } from "../tcp/index.js";
import type { RewriteReport } from "../tcp/rewrite.js";
import { parseAddressRule, parseEndpointRule, type RewriteRule } from "../tcp/rules.js";
import { open } from "./checkpoint.js";
import { warn, writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { UsageError } from "./usage.js";
import { writerNotices } from "./writer-notices.js";

// ss(8)'s names for socket states.
const SS_STATE: Record<string, string> = {
  ESTABLISHED: "ESTAB",
  SYN_SENT: "SYN-SENT",
  SYN_RECV: "SYN-RECV",
  FIN_WAIT1: "FIN-WAIT-1",
  FIN_WAIT2: "FIN-WAIT-2",
  TIME_WAIT: "TIME-WAIT",
  CLOSE: "UNCONN",
  CLOSE_WAIT: "CLOSE-WAIT",
  LAST_ACK: "LAST-ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
};

const HEAD = [
  "Netid",
  "State",
  "Recv-Q",
  "Send-Q",
  "Local Address:Port",
  "Peer Address:Port",
  "Netns",
  "Id",
  "Process",
];

function row(s: InetSocket): string[] {
  return [
    s.kind === "other" ? s.proto.toLowerCase() : s.kind,
    s.kind === "tcp" ? (SS_STATE[s.state] ?? s.state) : s.state === "ESTABLISHED" ? "ESTAB" : "UNCONN",
    s.stream ? String(s.stream.inqLen) : "0",
    s.stream ? String(s.stream.outqLen) : "0",
    displayEndpoint(s.local.address, s.local.port),
    displayEndpoint(s.remote.address, s.remote.port),
    s.netnsId === null ? "-" : String(s.netnsId),
    String(s.id),
    s.owners.map((o) => `pid=${o.pid},fd=${o.fd}`).join(" ") || "-",
  ];
}

/**
 * A table like `ss -tuanp`, as chunks of text: widths are measured in a
 * first pass and rows rendered a batch at a time in a second, so `sockets`
 * may be a generator function that streams them (a million rows are never
 * held at once).
 */
export function* connectionTableChunks(
  sockets: Iterable<InetSocket> | (() => Iterable<InetSocket>),
): Generator<string> {
  const pass = () => (typeof sockets === "function" ? sockets() : sockets);
  const widths = HEAD.map((h) => h.length);
  for (const s of pass()) {
    const r = row(s);
    for (let i = 0; i < r.length; i++)
      if ((r[i] as string).length > (widths[i] as number)) widths[i] = (r[i] as string).length;
  }
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  let out = `${line(HEAD)}\n`;
  for (const s of pass()) {
    out += `${line(row(s))}\n`;
    if (out.length > 1 << 16) {
      yield out;
      out = "";
    }
  }
  yield out;
}

export function connectionTable(sockets: readonly InetSocket[]): string {
  return [...connectionTableChunks(sockets)].join("");
}

/** Several checkpoints: a table (or records) for each, then the connections across them. */
async function tcpListMany(paths: string[], json: boolean): Promise<void> {
  const cps = [];
  for (const p of paths) cps.push(await open(p));
  const pairs = crossPairs(cps);
  if (json) {
    await writeJson({
      checkpoints: cps.map((cp, i) => ({ path: paths[i], sockets: eachConnection(cp) })),
      pairs: pairs.map((p) => ({
        a: { ...p.a, path: paths[p.a.checkpoint] },
        b: { ...p.b, path: paths[p.b.checkpoint] },
      })),
    });
    return;
  }
  for (const [i, cp] of cps.entries()) {
    await writeStdout(`${i === 0 ? "" : "\n"}${paths[i]}:\n`);
    for (const chunk of connectionTableChunks(() => eachConnection(cp))) await writeStdout(chunk);
  }
  const ep = (e: { address: string; port: number }) => displayEndpoint(e.address, e.port);
  const lines = pairs.map(
    (p) =>
      `${ep(p.a.local)} (${paths[p.a.checkpoint]}, socket ${p.a.socketId}) <-> ${ep(p.b.local)} (${paths[p.b.checkpoint]}, socket ${p.b.socketId})`,
  );
  await writeStdout(
    `\nconnections across checkpoints: ${pairs.length === 0 ? "none" : `${pairs.length}\n${lines.join("\n")}`}\n`,
  );
}

export async function tcpList(a: { dir: string; more?: string[]; json?: boolean }): Promise<void> {
  if (a.more && a.more.length > 0) return tcpListMany([a.dir, ...a.more], a.json ?? false);
  const cp = await open(a.dir);
  if (!a.json) {
    for (const chunk of connectionTableChunks(() => eachConnection(cp))) await writeStdout(chunk);
    return;
  }
  // One record per line inside the array: valid JSON, streamed, never one huge string.
  await writeStdout("[");
  let buf = "";
  let n = 0;
  for (const s of eachConnection(cp)) {
    buf += `${n++ === 0 ? "" : ","}\n  ${JSON.stringify(s)}`;
    if (buf.length > 1 << 16) {
      await writeStdout(buf);
      buf = "";
    }
  }
  await writeStdout(`${buf}${n ? "\n" : ""}]\n`);
}

export function reportText(report: RewriteReport, mode: string): string {
  const lines: string[] = [];
  const ep = (e: { address: string; port: number }) => displayEndpoint(e.address, e.port);
  for (const c of report.changes) {
    lines.push(
      `${c.kind} ${c.state} socket ${c.socketId} (${c.image}) ${c.side}: ${ep(c.from)} -> ${ep(c.to)}  [${c.rules.join(", ")}]`,
    );
  }
  if (report.changes.length === 0) lines.push("no endpoint changes");
  for (const m of report.metadataChanges)
    lines.push(`engine metadata ${m.file} ${m.path}: ${m.from} -> ${m.to}  [${m.rules.join(", ")}]`);
  for (const u of report.unmatchedRules) lines.push(`unmatched: ${u}`);
  const files = [...report.changedImages, ...report.changedMetadata];
  lines.push(`${mode}: ${files.length ? files.join(", ") : "no image"}`);
  return `${lines.join("\n")}\n`;
}

export interface TcpRewriteArgs {
  dir: string;
  /** More checkpoints, moved with the first as one. */
  more?: string[];
  "out-dir"?: string;
  addr?: string[];
  endpoint?: string[];
  "dry-run"?: boolean;
  out?: string;
  "allow-unmatched"?: boolean;
  "drop-unsafe"?: boolean;
  json?: boolean;
}

/** The rules of the command line; a malformed one is a usage error (exit 2). */
export function parseRules(a: TcpRewriteArgs): RewriteRule[] {
  try {
    return [...(a.addr ?? []).map(parseAddressRule), ...(a.endpoint ?? []).map(parseEndpointRule)];
  } catch (e) {
    if (e instanceof TcpRewriteError) throw new UsageError(`tcp rewrite: ${e.message}`, "tcp rewrite");
    throw e;
  }
}

export async function tcpRewrite(a: TcpRewriteArgs): Promise<void> {
  const rules = parseRules(a);
  if (rules.length === 0)
    throw new UsageError(
      "tcp rewrite: give at least one --addr OLD=NEW or --endpoint OLD:PORT=NEW:PORT",
      "tcp rewrite",
    );
  if (a.more && a.more.length > 0) return tcpRewriteMany(a, rules);
  if (a["out-dir"] !== undefined)
    throw new UsageError("tcp rewrite: --out-dir is for several checkpoints; give one --out OUT", "tcp rewrite");
  if (!a.out && !a["dry-run"] && a.dir !== "-" && (await pathKind(a.dir)) !== "folder") {
    throw new UsageError(
      "tcp rewrite: an archive is not rewritten in place; give --out NEW (or --dry-run)",
      "tcp rewrite",
    );
  }
  const { report, written, leftOut } = await rewriteCheckpointDir(a.dir, rules, {
    dryRun: a["dry-run"] ?? false,
    dropUnsafe: a["drop-unsafe"] ?? false,
    allowUnmatched: a["allow-unmatched"] ?? false,
    ...(a.out !== undefined ? { outDir: a.out } : {}),
    ...writerNotices(a.dir),
  });
  for (const l of leftOut) warn(`left out of the output: ${l}`);
  if (a.json) {
    await writeJson({ ...report, written, leftOut });
    return;
  }
  const mode = a["dry-run"]
    ? "dry run, would rewrite"
    : a.out
      ? `written to ${a.out}, rewritten`
      : "rewritten in place";
  await writeStdout(reportText(report, mode));
  // What the images cannot fix: on stderr, as every warning.
  for (const w of report.warnings) warn(`warning: ${w}`);
}

/** Several checkpoints moved as one: checked together, then each written (in place, or into --out-dir). */
async function tcpRewriteMany(a: TcpRewriteArgs, rules: RewriteRule[]): Promise<void> {
  const paths = [a.dir, ...(a.more ?? [])];
  if (a.out !== undefined)
    throw new UsageError("tcp rewrite: several checkpoints are written with --out-dir DIR, not --out", "tcp rewrite");
  if (paths.includes("-")) throw new UsageError("tcp rewrite: stdin (-) is one checkpoint alone", "tcp rewrite");
  if (a["out-dir"] === undefined && !a["dry-run"])
    for (const p of paths)
      if ((await pathKind(p)) !== "folder")
        throw new UsageError(
          `tcp rewrite: ${p}: an archive is not rewritten in place; give --out-dir DIR (or --dry-run)`,
          "tcp rewrite",
        );
  const results = await rewriteCheckpointsTogether(paths, rules, {
    dryRun: a["dry-run"] ?? false,
    dropUnsafe: a["drop-unsafe"] ?? false,
    allowUnmatched: a["allow-unmatched"] ?? false,
    ...(a["out-dir"] !== undefined ? { outDir: a["out-dir"] } : {}),
    ...writerNotices(a.dir),
  });
  for (const r of results) for (const l of r.leftOut) warn(`${r.path}: left out of the output: ${l}`);
  if (a.json) {
    await writeJson(results.map((r) => ({ path: r.path, ...r.report, written: r.written, leftOut: r.leftOut })));
    return;
  }
  const mode = a["dry-run"]
    ? "dry run, would rewrite"
    : a["out-dir"]
      ? `written to ${a["out-dir"]}, rewritten`
      : "rewritten in place";
  let text = "";
  for (const [i, r] of results.entries()) text += `${i === 0 ? "" : "\n"}${r.path}:\n${reportText(r.report, mode)}`;
  await writeStdout(text);
  for (const r of results) for (const w of r.report.warnings) warn(`${r.path}: warning: ${w}`);
}
