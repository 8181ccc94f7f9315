/**
 * The fds of the tasks, as fdinfo images list them: (fd, file id, type)
 * read from the wire unless the checkpoint holds the image decoded, so that
 * a table of a million fds is never kept as messages. One walk for every
 * view that needs fds (open files, socket owners).
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { fdinfoFields } from "./inet-wire.js";

/** One fdinfo entry: the fd, the id of its file, and its fd_types value. */
export interface FdRef {
  id: number;
  type: number;
  fd: number;
}

/**
 * The fdinfo image of a task, or undefined when it cannot be named (no ids
 * image). Since CRIU 1.x fdinfo images are per file table (fdinfo_per_id);
 * before, per pid.
 */
export function fdinfoImageOf(r: Checkpoint, pid: number): string | undefined {
  if (!(r.inventory()?.fdinfoPerId ?? true)) return `fdinfo-${pid}.img`;
  const ids = r.has(`ids-${pid}.img`) ? r.first(`ids-${pid}.img`, "IDS") : undefined;
  return ids ? `fdinfo-${ids.filesId}.img` : undefined;
}

/** The entries of an fdinfo image (none when it is missing): decoded ones when the checkpoint holds them, else from the wire. */
export function* fdRefs(r: Checkpoint, name: string): Generator<FdRef> {
  if (r.decoded(name)) {
    yield* r.each(name, "FDINFO");
    return;
  }
  for (const e of r.framed(name, "FDINFO")?.entries() ?? []) yield fdinfoFields(e.payload, name, (e.offset ?? 0) + 4);
}

/** Every fd of every task, with the task's pid, in pstree and fdinfo order. */
export function* taskFdRefs(r: Checkpoint): Generator<[pid: number, ref: FdRef]> {
  for (const task of r.tasks()) {
    const name = fdinfoImageOf(r, task.pid);
    if (name) for (const ref of fdRefs(r, name)) yield [task.pid, ref];
  }
}
