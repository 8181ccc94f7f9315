/**
 * The CLI's young generation stays at its first size (1 MiB semi-spaces).
 *
 * V8 doubles the young generation, up to 16 MiB semi-spaces (Node 20 and
 * 22; more on 24), whenever enough objects survive its collections, and a
 * long run that keeps indexes (ten thousand sockets' owners, an archive's
 * small images) always gets there: 30 MiB or more of RSS spent on
 * short-lived garbage. `inspect --all --json` of a 10k-connection,
 * 256 MiB-pages archive peaks at 130–135 MiB on Node 20 (172 on Node 24)
 * with growth, 99–112 without, and decoding 200k sockets is no slower
 * (docs/performance.md has the runs).
 *
 * Node can only set --max-semi-space-size at start, so the growth factor,
 * which V8 reads each time it considers growing, is set instead. Node
 * documents flags set after start as unsupported; this one only decides
 * whether the young generation grows. A user who sizes the young
 * generation (NODE_OPTIONS or node's own flags) is left alone, and so are
 * Bun and Deno.
 */
import { setFlagsFromString } from "node:v8";

const SIZING = /--(max|min)-semi-space-size|--semi-space-growth-factor/;

/** What the process runs with, as far as sizing the young generation goes. */
export interface HeapContext {
  execArgv: readonly string[];
  nodeOptions: string | undefined;
  versions: Readonly<Record<string, string | undefined>>;
}

/** The V8 flag to set, or undefined: on Bun, Deno, or when the user sized the young generation. */
export function youngGenerationFlag(c: HeapContext): string | undefined {
  if (c.versions.bun || c.versions.deno) return undefined;
  if (SIZING.test(`${c.execArgv.join(" ")} ${c.nodeOptions ?? ""}`)) return undefined;
  return "--semi-space-growth-factor=1";
}

/** Set the flag youngGenerationFlag names, through `set` (V8's own unless a test passes its own). */
export function keepYoungGenerationSmall(
  c: HeapContext = { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS, versions: process.versions },
  set: (flags: string) => void = setFlagsFromString,
): void {
  const flag = youngGenerationFlag(c);
  if (!flag) return;
  try {
    set(flag);
  } catch {
    // A runtime without the flag keeps its defaults.
  }
}
