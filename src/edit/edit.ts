/**
 * editCheckpoint: change typed entries, extras, bytes and process memory of
 * any image with user code, and get back the changed images and a report
 * that is the same data as diff. Pure: writing (atomically, in place or to
 * a new folder or archive) is criu-image/node's editCheckpointDir.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { overlaySource } from "../checkpoint/source.js";
import { type DiffReport, diffCheckpoints } from "../diff/diff.js";
import { EditSession } from "./session.js";

/** An edited checkpoint, the images to write, and what changed (as diff reports it). */
export interface EditResult {
  /** The edited checkpoint (the input with the changed images and engine metadata replaced). */
  checkpoint: Checkpoint;
  /** Each changed image's new bytes. */
  changed: ReadonlyMap<string, Uint8Array>;
  /** Each changed engine metadata file's new bytes (config.dump, spec.dump, …); with `changed`, all that needs writing. */
  changedMetadata: ReadonlyMap<string, Uint8Array>;
  /** What changed, as diffCheckpoints reports it. */
  report: DiffReport;
}

/** Runs `edit` on a session over the checkpoint; returns the changed images and the report. */
export async function editCheckpoint(
  input: CheckpointLike,
  edit: (e: EditSession) => void | Promise<void>,
  options: { memoryReport?: boolean } = {},
): Promise<EditResult> {
  const cp = Checkpoint.of(input);
  const session = new EditSession(cp);
  await edit(session);
  const changed = session.finish();
  // Metadata set in the session is part of the result, as redact's is.
  const changedMetadata = session.finishMetadata();
  const checkpoint = new Checkpoint(overlaySource(cp.source, changed, changedMetadata));
  const report = await diffCheckpoints(cp, checkpoint, { memory: options.memoryReport === true });
  return { checkpoint, changed, changedMetadata, report };
}
