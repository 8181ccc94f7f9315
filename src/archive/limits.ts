/**
 * How much of an archive's metadata is read into memory: an archive is
 * untrusted, and a member or record past these bounds is not an honest one.
 */

/**
 * Members up to this size are kept in memory when an archive is read (pages
 * excepted), and engine metadata (config.dump, spec.dump, …) is parsed only
 * up to it.
 */
export const METADATA_LIMIT = 16 << 20;

/** A pax record set or GNU long name is read whole; a bigger one is refused. */
export const TAR_META_LIMIT = 1 << 20;
