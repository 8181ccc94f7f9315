/** Member names as paths inside an archive: pure, "/"-separated, never touching a file system. */

/** "./a//b/" → "a/b": the name without empty or "." components. */
export function memberPath(name: string): string {
  return name
    .split("/")
    .filter((p) => p !== "" && p !== ".")
    .join("/");
}

/**
 * The components a relative path leads to from the archive's top, ".."
 * applied; undefined when it climbs above the top.
 */
export function resolveInArchive(path: string, from = ""): string[] | undefined {
  const out = from.split("/").filter((p) => p !== "" && p !== ".");
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.pop() === undefined) return undefined;
  }
  return out;
}
