/**
 * Reading pagemap entries the way CRIU's pagemap.c does, so images from
 * before nr_pages and flags existed mean what CRIU takes them to mean.
 */
import type { pagemap_entry } from "../gen/index.js";

/** pagemap_entry flag: the pages are in the parent (pre-dump) checkpoint's pages file. */
export const PE_PARENT = 1 << 0;
/** pagemap_entry flag: the pages are served lazily (page server, userfaultfd) and not in this dump. */
export const PE_LAZY = 1 << 1;
/** pagemap_entry flag: the pages are in this checkpoint's `pages-<id>.img`, in pagemap order. */
export const PE_PRESENT = 1 << 2;

/** Pages of the entry: nr_pages, or compat_nr_pages in images without it (crit 4.2 fails on those). */
export function pagemapPages(pm: pagemap_entry): bigint {
  return Object.hasOwn(pm, "nrPages") ? pm.nrPages : BigInt(pm.compatNrPages);
}

/** The entry's flags: without a flags field, in_parent means PE_PARENT, else PE_PRESENT. */
export function pagemapFlags(pm: pagemap_entry): number {
  if (pm.inParent) return PE_PARENT;
  return Object.hasOwn(pm, "flags") ? pm.flags : PE_PRESENT;
}
