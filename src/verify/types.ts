/** What verify reports: problems and notes, each named by the check that found it. */

export type VerifyCheck =
  | "parse"
  | "unknown-file"
  | "ids"
  | "fdinfo"
  | "tcp-stream"
  | "pages"
  | "vmas"
  | "parent"
  | "tasks"
  | "inventory"
  | "pending-write"
  | "unsafe-member";

/** One problem (or note) of verify: the image, the entry where there is one, the check and the message. */
export interface VerifyProblem {
  /** The image the problem is in (or about). */
  image: string;
  /** Index of the entry, where the problem is one entry's. */
  entry?: number;
  /** Stable name of the check. */
  check: VerifyCheck;
  message: string;
}

/** What verify found in a checkpoint. */
export interface VerifyReport {
  /** What was checked: a full dump, a pre-dump, or images without an inventory. */
  kind: "dump" | "pre-dump" | "images";
  /** Inconsistent or broken images: verify fails when there is any. */
  problems: VerifyProblem[];
  /** Worth knowing, never a failure: files that are not CRIU images, and what opening the checkpoint noticed. */
  notes: VerifyProblem[];
  /** Known companions found beside the images (CRIU logs, runc's descriptors.json, …). */
  companions: string[];
  /** Dumps checked through `parent`, nearest first. */
  parents: string[];
}

/** Options of `verifyCheckpoint` and `verifyProblems`. */
export interface VerifyOptions {
  /** Page size of the dumped machine (default 4096, as on x86-64). */
  pageSize?: number;
}
