// The one rule behind the lazy schema (src/gen-lazy): src/gen's import of
// @bufbuild/protobuf/codegenv2 goes to the stand-ins, so descriptors are built
// on first use. tsup.config.ts (esbuild) and vitest.config.ts (Vite) both
// apply it through this function.
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const gen = resolve(root, "src", "gen") + sep;

/** The file to use for `source` imported by `importer`, or undefined to resolve it as usual. */
export function lazySchemaTarget(source, importer) {
  if (source === "@bufbuild/protobuf/codegenv2" && importer?.startsWith(gen))
    return resolve(root, "src", "gen-lazy", "codegen.ts");
  return undefined;
}
