/** The file to use for `source` imported by `importer`, or undefined to resolve it as usual. */
export function lazySchemaTarget(source: string, importer: string | undefined): string | undefined;
