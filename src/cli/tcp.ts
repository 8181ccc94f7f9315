/** `tcp list` and `tcp rewrite`: the TCP helpers on a checkpoint directory. */
import { isArchive, openCheckpoint, rewriteCheckpointArchive } from "../node/archive.js";
import { rewriteCheckpointDir } from "../node/checkpoint-dir.js";
import type { InetSocket } from "../tcp/connections.js";
import { listConnections } from "../tcp/index.js";
import type { RewriteReport } from "../tcp/rewrite.js";
import { rewriteConnections } from "../tcp/rewrite.js";
import { parseAddressRule, parseEndpointRule, type RewriteRule } from "../tcp/rules.js";
import { writeStdout } from "./io.js";
import { UsageError } from "./usage.js";

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

const endpoint = (address: string, port: number) =>
  `${address.includes(":") ? `[${address}]` : address || "*"}:${port === 0 ? "*" : port}`;

/** A table like `ss -tuanp`. */
export function connectionTable(sockets: InetSocket[]): string {
  const rows = sockets.map((s) => [
    s.kind === "other" ? s.proto.toLowerCase() : s.kind,
    s.kind === "tcp" ? (SS_STATE[s.state] ?? s.state) : s.state === "ESTABLISHED" ? "ESTAB" : "UNCONN",
    s.stream ? String(s.stream.inqLen) : "0",
    s.stream ? String(s.stream.outqLen) : "0",
    endpoint(s.local.address, s.local.port),
    endpoint(s.remote.address, s.remote.port),
    s.netnsId === null ? "-" : String(s.netnsId),
    String(s.id),
    s.owners.map((o) => `pid=${o.pid},fd=${o.fd}`).join(" ") || "-",
  ]);
  const head = [
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
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  return `${all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ")).join("\n")}\n`;
}

export async function tcpList(a: { dir: string; json?: boolean }): Promise<void> {
  const sockets = listConnections((await openCheckpoint(a.dir)).images);
  await writeStdout(a.json ? `${JSON.stringify(sockets, null, 2)}\n` : connectionTable(sockets));
}

export function reportText(report: RewriteReport, mode: string): string {
  const lines: string[] = [];
  const ep = (e: { address: string; port: number }) => endpoint(e.address, e.port);
  for (const c of report.changes) {
    lines.push(
      `${c.kind} ${c.state} socket ${c.socketId} (${c.image}) ${c.side}: ${ep(c.from)} -> ${ep(c.to)}  [${c.rules.join(", ")}]`,
    );
  }
  if (report.changes.length === 0) lines.push("no endpoint changes");
  for (const u of report.unmatchedRules) lines.push(`unmatched: ${u}`);
  lines.push(`${mode}: ${report.changedImages.length ? report.changedImages.join(", ") : "no image"}`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

export interface TcpRewriteArgs {
  dir: string;
  addr?: string[];
  endpoint?: string[];
  "dry-run"?: boolean;
  out?: string;
  "allow-unmatched"?: boolean;
  json?: boolean;
}

export async function tcpRewrite(a: TcpRewriteArgs): Promise<void> {
  const rules: RewriteRule[] = [...(a.addr ?? []).map(parseAddressRule), ...(a.endpoint ?? []).map(parseEndpointRule)];
  if (rules.length === 0)
    throw new UsageError("tcp rewrite: give at least one --addr OLD=NEW or --endpoint OLD:PORT=NEW:PORT");
  if (await isArchive(a.dir)) return tcpRewriteArchive(a, rules);
  const { report, written } = await rewriteCheckpointDir(a.dir, rules, {
    dryRun: a["dry-run"] ?? false,
    allowUnmatched: a["allow-unmatched"] ?? false,
    ...(a.out !== undefined ? { outDir: a.out } : {}),
  });
  if (a.json) {
    await writeStdout(`${JSON.stringify({ ...report, written }, null, 2)}\n`);
    return;
  }
  const mode = a["dry-run"]
    ? "dry run, would rewrite"
    : a.out
      ? `written to ${a.out}, rewritten`
      : "rewritten in place";
  await writeStdout(reportText(report, mode));
}

/** An archive is rewritten into a new archive (--out), or only reported (--dry-run). */
async function tcpRewriteArchive(a: TcpRewriteArgs, rules: RewriteRule[]): Promise<void> {
  if (!a.out && !a["dry-run"]) throw new UsageError("tcp rewrite ARCHIVE: give --out NEW-ARCHIVE (or --dry-run)");
  const opened = await openCheckpoint(a.dir);
  const { checkpoint, report } = rewriteConnections(opened.images, rules, {
    allowUnmatched: a["allow-unmatched"] ?? false,
  });
  if (a.out && !a["dry-run"]) {
    const changed = new Map(report.changedImages.map((n) => [n, checkpoint.get(n) as Uint8Array]));
    await rewriteCheckpointArchive(a.dir, a.out, changed);
  }
  if (a.json)
    await writeStdout(`${JSON.stringify({ ...report, written: a.out && !a["dry-run"] ? [a.out] : [] }, null, 2)}\n`);
  else
    await writeStdout(reportText(report, a["dry-run"] ? "dry run, would rewrite" : `written to ${a.out}, rewritten`));
}
