/**
 * The generated schema, built on first use. protoc-gen-es's code hydrates
 * every file descriptor when its module is imported: for the ~75 files of
 * CRIU's schema that is ~250 ms and ~17 MB before anything is asked. The
 * bundler (and vitest) points src/gen's import of
 * "@bufbuild/protobuf/codegenv2" here, where each descriptor is a
 * stand-in that builds the real one, with the files it imports, when it is
 * first touched. So decoding an inventory builds the 18 files it needs,
 * and `import "criu-image"` builds none.
 */
import {
  enumDesc as hydrateEnum,
  extDesc as hydrateExtension,
  fileDesc as hydrateFile,
  messageDesc as hydrateMessage,
} from "@bufbuild/protobuf/codegenv2";

const REAL = Symbol.for("criu-image.lazy-descriptor");

/** @internal The hydrated descriptor behind a stand-in (or the argument, when it is not one). */
export function hydrated<T>(desc: T): T {
  const d = desc as { [REAL]?: T } | null;
  return (typeof d === "object" && d !== null && d[REAL]) || desc;
}

function lazy<T extends object>(build: () => T): T {
  let target: T | undefined;
  const get = (): T => {
    target ??= build();
    return target;
  };
  // The proxy's own target is an empty extensible object, so every trap may answer for the real one.
  return new Proxy(Object.create(null) as T, {
    get: (_t, key) => (key === REAL ? get() : Reflect.get(get(), key)),
    has: (_t, key) => Reflect.has(get(), key),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      return d ? { ...d, configurable: true } : undefined;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
    set: (_t, key, value) => Reflect.set(get(), key, value),
    defineProperty: (_t, key, d) => Reflect.defineProperty(get(), key, d),
    deleteProperty: (_t, key) => Reflect.deleteProperty(get(), key),
  });
}

export const fileDesc: typeof hydrateFile = (b64, imports) => lazy(() => hydrateFile(b64, imports?.map(hydrated)));

export const messageDesc = ((file: Parameters<typeof hydrateMessage>[0], path: number, ...paths: number[]) =>
  lazy(() => hydrateMessage(hydrated(file), path, ...paths))) as typeof hydrateMessage;

export const enumDesc = ((file: Parameters<typeof hydrateEnum>[0], path: number, ...paths: number[]) =>
  lazy(() => hydrateEnum(hydrated(file), path, ...paths))) as typeof hydrateEnum;

export const extDesc = ((file: Parameters<typeof hydrateExtension>[0], path: number, ...paths: number[]) =>
  lazy(() => hydrateExtension(hydrated(file), path, ...paths))) as typeof hydrateExtension;
