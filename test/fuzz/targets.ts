/**
 * What the fuzzer drives, and the oracle: the only acceptable failures are
 * our typed errors; a successful read must write back the same bytes.
 */
import { writeFileSync } from "node:fs";
import { CriuImageError, readFramedStream, readImage, writeImage } from "../../src/index.js";
import { CritJsonError, fromCritJson, toCritJson } from "../../src/json/index.js";
import { listConnections, rewriteConnections, TcpRewriteError } from "../../src/tcp/index.js";
import { rng } from "./mutate.js";

export interface Outcome {
  ok: number;
  rejected: number;
}

/** Throws when `e` is not an acceptable rejection. */
export function acceptable(e: unknown, input: string): void {
  if (e instanceof CriuImageError || e instanceof CritJsonError || e instanceof TcpRewriteError) {
    if (!e.message || e.message.length < 10) throw new Error(`${input}: useless message: ${e.message}`);
    return;
  }
  throw new Error(`${input}: unexpected ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
}

function chunks(b: Uint8Array, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; ) {
    const n = 1 + Math.floor(r() * 64);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function* asAsync(list: Uint8Array[]) {
  yield* list;
}

/** readImage + writeImage + toCritJson, then the streaming reader must agree with the sync one. */
export async function fuzzImage(
  bytes: Uint8Array,
  name: string | undefined,
  seed: number,
  label: string,
): Promise<boolean> {
  let syncResult: string;
  let ok = false;
  try {
    const img = readImage(bytes, name ? { name } : {});
    const back = writeImage(img);
    if (Buffer.compare(back, bytes) !== 0) {
      if (process.env.CRIU_IMAGE_FUZZ_DUMP) writeFileSync(process.env.CRIU_IMAGE_FUZZ_DUMP, bytes);
      throw new Error(`${label}: read succeeded but did not write back the same bytes`);
    }
    if (img.format !== "raw") {
      const text = toCritJson(img, { pretty: (seed & 1) === 1 });
      fromCritJson(text);
    }
    syncResult = "ok";
    ok = true;
  } catch (e) {
    acceptable(e, label);
    syncResult = (e as CriuImageError).code ?? "json";
  }
  // The streaming reader on random chunks: same verdict as the sync framing reader.
  let streamResult: string;
  try {
    await readFramedStream(asAsync(chunks(bytes, seed)), name ? { name } : {});
    streamResult = "ok";
  } catch (e) {
    acceptable(e, `${label} (stream)`);
    streamResult = (e as CriuImageError).code;
  }
  // Framing can accept what decoding rejects (bad protobuf), never the reverse.
  if (syncResult === "ok" && streamResult !== "ok")
    throw new Error(`${label}: sync read ok, stream read failed with ${streamResult}`);
  return ok;
}

export function fuzzJson(text: string, label: string): boolean {
  try {
    writeImage(fromCritJson(text));
    return true;
  } catch (e) {
    acceptable(e, label);
    return false;
  }
}

export function fuzzTcp(checkpoint: Map<string, Uint8Array>, label: string): boolean {
  try {
    const sockets = listConnections(checkpoint);
    const a = sockets.find((s) => s.local.address && s.local.address !== "0.0.0.0")?.local.address;
    if (a)
      rewriteConnections(checkpoint, [{ kind: "address", from: a, to: a.includes(":") ? "fd00::9" : "10.9.9.9" }], {
        allowUnmatched: true,
      });
    return true;
  } catch (e) {
    acceptable(e, label);
    return false;
  }
}
