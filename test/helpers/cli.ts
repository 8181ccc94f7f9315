import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

/** Runs the CLI in-process, capturing what it writes. */
export async function runCli(
  args: string[],
  stdin?: Uint8Array,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  let err = "";
  const w = vi.spyOn(process.stdout, "write").mockImplementation(((c: string | Uint8Array) => {
    out.push(Buffer.from(c));
    return true;
  }) as never);
  const e = vi.spyOn(process.stderr, "write").mockImplementation(((c: string | Uint8Array) => {
    err += String(c);
    return true;
  }) as never);
  const stdinSpy = stdin
    ? vi.spyOn(process.stdin, Symbol.asyncIterator).mockImplementation(async function* () {
        yield Buffer.from(stdin);
      } as never)
    : undefined;
  try {
    const code = await main(args);
    return { code, stdout: Buffer.concat(out), stderr: err };
  } finally {
    w.mockRestore();
    e.mockRestore();
    stdinSpy?.mockRestore();
  }
}
