import { CriuImageError } from "../../src/index.js";

/** The CriuImageError `f` throws; any other outcome fails the test. */
export function caught(f: () => unknown): CriuImageError {
  try {
    f();
  } catch (e) {
    if (e instanceof CriuImageError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

/** The CriuImageError `f` rejects with; any other outcome fails the test. */
export async function caughtAsync(f: () => Promise<unknown>): Promise<CriuImageError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CriuImageError) return e;
    throw e;
  }
  throw new Error("did not throw");
}
