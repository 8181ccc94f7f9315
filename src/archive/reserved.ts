/**
 * criu-image's own bookkeeping files in a checkpoint folder: its journal of
 * an interrupted rewrite, its lock, and its temporary files. One home for
 * their names: the Node layer writes them, verify reports a pending journal,
 * and an archive that carries one is refused (it would be read back as a
 * pending rewrite, a lock held forever, or a file to rename into place).
 */

/** The journal of a rewrite of several images, while it is under way. */
export const JOURNAL_NAME = ".criu-image-journal";
/** The lock a writer holds on a checkpoint folder (and, after it, the names of the rights to take it over). */
export const LOCK_NAME = ".criu-image-lock";
/** How every temporary file of ours is named, before the rename that puts it in place. */
export const TEMP_PREFIX = ".criu-image-tmp-";

/** Whether a base name is one of our bookkeeping files. */
export const isBookkeeping = (name: string): boolean =>
  name === JOURNAL_NAME || name.startsWith(LOCK_NAME) || name.startsWith(TEMP_PREFIX);
