import { type VerifyOptions, type VerifyReport, verifyCheckpoint } from "../verify/index.js";
import { openCheckpoint } from "./open.js";

/** verifyCheckpoint over a folder or archive by path; reads only (pages are sized, not read). */
export async function verifyCheckpointDir(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyCheckpoint(await openCheckpoint(path), options);
}
