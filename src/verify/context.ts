/** What every check reads and adds to: the checkpoint, its parsed images and indexes, and the report so far. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { CriuImage } from "../image/types.js";
import { Indexes } from "./indexes.js";
import type { VerifyCheck, VerifyProblem, VerifyReport } from "./types.js";

export class VerifyContext {
  readonly kind: VerifyReport["kind"];
  /** Problems found and not yet handed on (see verifyProblems). */
  readonly pending: VerifyProblem[] = [];
  readonly notes: VerifyProblem[] = [];
  readonly companions: string[] = [];
  readonly parents: string[] = [];
  /** Images that parsed whole and are kept decoded (all but the indexed ones), by name. */
  readonly images = new Map<string, CriuImage>();
  readonly index = new Indexes();

  constructor(
    readonly cp: Checkpoint,
    readonly pageSize: number,
  ) {
    this.kind = cp.dumpKind();
  }

  problem(image: string, check: VerifyCheck, message: string, entry?: number): void {
    this.pending.push(entry === undefined ? { image, check, message } : { image, entry, check, message });
  }

  note(image: string, check: VerifyCheck, message: string): void {
    this.notes.push({ image, check, message });
  }

  has(name: string): boolean {
    return this.cp.has(name);
  }

  /** A parsed image; an image's kind is the one its name implies (reading refuses any other magic). */
  get<K extends CriuImage["kind"]>(name: string): Extract<CriuImage, { kind: K }> | undefined {
    return this.images.get(name) as Extract<CriuImage, { kind: K }> | undefined;
  }

  /** Everything but the problems, which were handed on one by one. */
  summary(): Omit<VerifyReport, "problems"> {
    const { kind, notes, companions, parents } = this;
    return { kind, notes, companions, parents };
  }
}
