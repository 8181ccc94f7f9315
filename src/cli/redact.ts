/** `redact PATH`: overwrite secrets, keeping the checkpoint valid; report what changed. */
import { redactCheckpointDir } from "../node/rewrite.js";
import { warn, writeStdout } from "./io.js";
import { UsageError } from "./usage.js";
import { writerNotices } from "./writer-notices.js";

export interface RedactArgs {
  path: string;
  env?: string[];
  "env-all"?: boolean;
  string?: string[];
  regex?: string[];
  "tcp-queues"?: boolean;
  pipes?: boolean;
  "no-utf16"?: boolean;
  "allow-unmatched"?: boolean;
  out?: string;
  "dry-run"?: boolean;
  "drop-unsafe"?: boolean;
  json?: boolean;
}

export async function redactCmd(a: RedactArgs): Promise<void> {
  const regexes = (a.regex ?? []).map((r) => {
    try {
      return new RegExp(r, "g");
    } catch (e) {
      throw new UsageError(`redact: --regex ${r}: ${(e as Error).message}`, "redact");
    }
  });
  for (const s of a.string ?? [])
    if (s.length === 0) throw new UsageError("redact: --string cannot be empty", "redact");
  const any =
    (a.env?.length ?? 0) + (a.string?.length ?? 0) + regexes.length > 0 || a["env-all"] || a["tcp-queues"] || a.pipes;
  if (!any)
    throw new UsageError(
      "redact: say what to redact (--env, --env-all, --string, --regex, --tcp-queues, --pipes)",
      "redact",
    );
  const r = await redactCheckpointDir(
    a.path,
    {
      env: a.env ?? [],
      envAll: a["env-all"] ?? false,
      strings: a.string ?? [],
      regexes,
      tcpQueues: a["tcp-queues"] ?? false,
      pipes: a.pipes ?? false,
      utf16: !a["no-utf16"],
      allowUnmatched: a["allow-unmatched"] ?? false,
    },
    {
      dryRun: a["dry-run"] ?? false,
      dropUnsafe: a["drop-unsafe"] ?? false,
      ...(a.out !== undefined ? { outDir: a.out } : {}),
      ...writerNotices(a.path),
    },
  );
  for (const l of r.leftOut) warn(`left out of the output: ${l}`);
  // Places and sizes only: a redaction never shows the value it removed.
  if (a.json) {
    await writeStdout(
      `${JSON.stringify({ redactions: r.redactions, notSearched: r.notSearched, files: r.files, written: r.written }, null, 2)}\n`,
    );
    return;
  }
  const lines = r.redactions.map((x) => `redacted ${x.what} ${x.where} (${x.bytes} bytes)`);
  if (lines.length === 0) lines.push("nothing to redact");
  for (const n of r.notSearched) lines.push(`not searched: ${n}`);
  const where = a["dry-run"] ? "dry run, would write" : a.out ? `written to ${a.out}` : "rewritten in place";
  lines.push(`${where}: ${r.files.length > 0 ? r.files.join(", ") : "nothing"}`);
  await writeStdout(`${lines.join("\n")}\n`);
}
