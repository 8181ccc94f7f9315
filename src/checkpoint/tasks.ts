/**
 * Task states as CRIU stores them in core_entry.tc.task_state
 * (criu/include/pid.h, compel's task-state.h). A zombie is dumped as
 * TASK_DEAD: a pstree entry and a core image with only tc, and no mm, ids,
 * fs, pagemap or fdinfo images (cr-dump.c, dump_one_zombie).
 *
 * crit's --pretty names 3 "Zombie" and 6 "Stopped"; that is crit's JSON
 * contract and stays in json/, but it is not what the numbers mean.
 */
export const TASK_ALIVE = 1;
/** pstree task state of a zombie, as CRIU writes it. */
export const TASK_DEAD = 2;
/** pstree task state of a stopped task (SIGSTOP). */
export const TASK_STOPPED = 3;
/** compel's zombie state; CRIU turns it into TASK_DEAD before writing, but accept it. */
export const TASK_ZOMBIE = 6;

/** A task's state by its real meaning. */
export type TaskState = "alive" | "zombie" | "stopped" | "unknown";

/** The real meaning of a pstree task state number (crit's own labels differ: see TASK_STATE_NAMES). */
export function taskStateName(state: number | undefined): TaskState {
  if (state === TASK_ALIVE) return "alive";
  if (state === TASK_DEAD || state === TASK_ZOMBIE) return "zombie";
  if (state === TASK_STOPPED) return "stopped";
  return "unknown";
}
