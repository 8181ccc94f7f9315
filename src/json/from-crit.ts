/**
 * crit JSON back to typed images: both the compact and the --pretty form,
 * 64-bit integers exact (numbers are parsed as text by lossless-json).
 */
import { create, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { type ImageKindInfo, kindByName } from "../framing/kinds.js";
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } from "../framing/magic.js";
import { entrySchema } from "../framing/rules.js";
import type { ImageHeader } from "../framing/types.js";
import { bytesToWords, parseAddress } from "../image/address.js";
import { messageSchema } from "../image/registry.js";
import type { CriuImage } from "../image/types.js";
import { decodeMimeBase64 } from "./base64.js";
import { CritJsonError, JsonNumber } from "./errors.js";
import { EXTRA_JSON, type FromJsonContext } from "./extras-json.js";
import { type FieldPlan, planOf } from "./field-plan.js";
import { parseJson } from "./parse.js";
import { DICT_MAPS, FLAG_MAPS, parsePyInt, readDev, readDict, readFlags } from "./pretty-maps.js";
import { decodeQuopri } from "./quopri.js";
import { bytesToUnknown } from "./unknown.js";

const fail = (path: string, expected: string, detail?: string): never => {
  throw new CritJsonError(path, expected, detail);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

const RANGES: Partial<Record<ScalarType, [bigint, bigint]>> = {
  [ScalarType.UINT32]: [0n, 0xffffffffn],
  [ScalarType.FIXED32]: [0n, 0xffffffffn],
  [ScalarType.INT32]: [-0x80000000n, 0x7fffffffn],
  [ScalarType.SINT32]: [-0x80000000n, 0x7fffffffn],
  [ScalarType.SFIXED32]: [-0x80000000n, 0x7fffffffn],
  [ScalarType.UINT64]: [0n, 0xffffffffffffffffn],
  [ScalarType.FIXED64]: [0n, 0xffffffffffffffffn],
  [ScalarType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.SINT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.SFIXED64]: [-(2n ** 63n), 2n ** 63n - 1n],
};
const IS_64 = new Set([
  ScalarType.UINT64,
  ScalarType.FIXED64,
  ScalarType.INT64,
  ScalarType.SINT64,
  ScalarType.SFIXED64,
]);

/** An integer field's value from a JSON number or any string form crit writes. */
function integerOf(f: FieldPlan, v: unknown, path: string): number | bigint {
  let n: bigint | undefined;
  if (v instanceof JsonNumber) {
    n = /^-?\d+$/.test(v.text) ? BigInt(v.text) : undefined;
  } else if (typeof v === "string") {
    // As crit's dict2pb: devices, flag names, dict names, then int(text, 0).
    if (f.dev) n = readDev(v, f.odev);
    else if (f.flags && FLAG_MAPS[f.flags]) n = readFlags(v, FLAG_MAPS[f.flags] as never);
    else if (f.dict) {
      const d = DICT_MAPS[f.dict]?.[f.name];
      const named = d ? readDict(d, v) : undefined;
      n = named !== undefined ? BigInt(named) : undefined;
    }
    // "0x-5" is what "0x%x" writes for a negative: crit cannot read it back, we do, so nothing is lost.
    n ??= parsePyInt(v) ?? (/^0x-[0-9a-f]+$/.test(v) ? -BigInt(`0x${v.slice(3)}`) : undefined);
  }
  // crit writes no true or false for an integer: one there is a mistake, not a 1 or a 0.
  if (n === undefined)
    return fail(
      path,
      `an integer for ${f.name}`,
      `got ${JSON.stringify(String(v instanceof JsonNumber ? v.text : v))}`,
    );
  const range = RANGES[f.scalar as ScalarType];
  if (range && (n < range[0] || n > range[1]))
    return fail(path, `a ${ScalarType[f.scalar as ScalarType].toLowerCase()} for ${f.name}`, `${n} is out of range`);
  return IS_64.has(f.scalar as ScalarType) ? n : Number(n);
}

function fieldValue(f: FieldPlan, v: unknown, path: string): unknown {
  switch (f.kind) {
    case "message":
      return messageOf(f.message as DescMessage, v, path);
    case "enum": {
      if (typeof v === "string") {
        const e = f.enumDesc?.values.find((x) => x.name === v);
        if (!e) return fail(path, `a value of enum ${f.enumDesc?.name}`, `got "${v}"`);
        return e.number;
      }
      if (v instanceof JsonNumber && /^-?\d+$/.test(v.text)) return Number(v.text);
      return fail(path, `an enum name for ${f.name}`);
    }
  }
  if (f.integer) return integerOf(f, v, path);
  switch (f.scalar) {
    case ScalarType.BOOL:
      // crit writes bools as true and false only.
      if (typeof v === "boolean") return v;
      return fail(path, `true or false for ${f.name}`, `got ${JSON.stringify(v instanceof JsonNumber ? v.text : v)}`);
    case ScalarType.STRING:
      if (typeof v !== "string") return fail(path, `a string for ${f.name}`);
      return v;
    case ScalarType.BYTES:
      if (typeof v !== "string")
        return fail(path, `a ${f.conv === "unix_name" ? "quoted-printable" : "base64"} string for ${f.name}`);
      return f.conv === "unix_name" ? decodeQuopri(v) : decodeMimeBase64(v);
    default:
      return fail(path, `a supported field type for ${f.name}`);
  }
}

/** A message from crit's dict form. Keys crit would not write are an error, not ignored. */
export function messageOf(desc: DescMessage, value: unknown, path: string, skip?: string): Message {
  if (!isObject(value)) return fail(path, `an object for ${desc.typeName}`);
  const plan = planOf(desc);
  const msg = create(desc) as Message & Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (key === skip) continue;
    const v = value[key];
    const p = path ? `${path}.${key}` : key;
    if (key === "$unknown") {
      if (typeof v !== "string") return fail(p, "base64 of unknown fields");
      try {
        (msg as { $unknown?: unknown }).$unknown = bytesToUnknown(decodeMimeBase64(v));
      } catch (e) {
        return fail(p, "unknown fields in wire format", (e as Error).message);
      }
      continue;
    }
    const f = plan.byName.get(key);
    if (!f) return fail(p, `a field of ${desc.typeName}`, `no field "${key}"`);
    if (f.repeated) {
      if (!Array.isArray(v)) return fail(p, `a list for ${key}`);
      if (f.ipadd && typeof v[0] === "string") {
        if (v.length !== 1) return fail(p, "one address string");
        const bytes = parseAddress(v[0]);
        if (!bytes) return fail(`${p}[0]`, "an IPv4 or IPv6 address", `got "${v[0]}"`);
        msg[f.localName] = bytesToWords(bytes);
        continue;
      }
      msg[f.localName] = v.map((x, i) => fieldValue(f, x, `${p}[${i}]`));
      continue;
    }
    msg[f.localName] = fieldValue(f, v, p);
  }
  return msg;
}

/** Options of `fromCritJson`. */
export interface FromCritJsonOptions {
  /** File name of the image, for error messages and the result's `name`. */
  readonly name?: string;
}

/** Turns crit's entries of one image kind into typed entries, one at a time. */
export class CritImageBuilder {
  private readonly kind: ImageKindInfo;
  private readonly extraJson: (typeof EXTRA_JSON)[keyof typeof EXTRA_JSON] | undefined;

  constructor(magic: unknown) {
    if (typeof magic !== "string") fail("magic", 'an image kind name such as "FILES"');
    const kind = kindByName(magic as string);
    if (!kind || kind.raw) fail("magic", "a CRIU image kind", `got "${magic}"`);
    this.kind = kind as ImageKindInfo;
    this.extraJson = EXTRA_JSON[this.kind.extra];
  }

  /** The image header crit encode writes: inventory with its magic alone, service files with IMG_SERVICE. */
  header(name?: string): ImageHeader {
    const kind = this.kind;
    const v1 = kind.kind === "INVENTORY";
    return {
      ...(name !== undefined ? { name } : {}),
      kind: kind.kind,
      format: v1 ? "v1" : "v1.1",
      magic: kind.magic,
      ...(v1 ? {} : { leadMagic: kind.service ? IMG_SERVICE_MAGIC : IMG_COMMON_MAGIC }),
    };
  }

  get hasExtras(): boolean {
    return this.extraJson !== undefined;
  }

  /** Entry `i` from its crit dict form. */
  entry(raw: unknown, i: number): { message: Message; extra: unknown } {
    const path = `entries[${i}]`;
    const kind = this.kind;
    const schema = entrySchema(kind, i);
    const extraJson = this.extraJson;
    const message = messageOf(messageSchema(schema), raw, path, extraJson ? "extra" : undefined);
    if (!extraJson) return { message, extra: undefined };
    const ctx: FromJsonContext = { message: (t, v, p) => messageOf(messageSchema(t), v, p), fail, path };
    return { message, extra: extraJson.fromJson(message, (raw as Record<string, unknown>).extra, ctx) };
  }
}

/**
 * Parses what `crit decode` writes (compact or --pretty) into a typed image
 * that writeImage turns into the image crit encode would write. Throws
 * CritJsonError for bad JSON, with the path of the offending value.
 */
export function fromCritJson(text: string, options: FromCritJsonOptions = {}): CriuImage {
  const doc = parseJson(text);
  if (!isObject(doc)) return fail("", 'an object with "magic" and "entries"');
  for (const key of Object.keys(doc))
    if (key !== "magic" && key !== "entries") fail(key, '"magic" or "entries"', `no key "${key}" in crit JSON`);
  const builder = new CritImageBuilder(doc.magic);
  const list = doc.entries;
  if (!Array.isArray(list)) return fail("entries", "a list of entries");
  const entries: Message[] = [];
  const extras: unknown[] = [];
  list.forEach((raw, i) => {
    const e = builder.entry(raw, i);
    entries.push(e.message);
    extras.push(e.extra);
  });
  return {
    ...builder.header(options.name),
    entries,
    ...(builder.hasExtras ? { extras } : {}),
  } as unknown as CriuImage;
}
