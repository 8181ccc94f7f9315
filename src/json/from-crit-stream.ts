/**
 * crit JSON read as it streams in: bytes are decoded as strict UTF-8, the
 * document is split into its entries as they arrive, and each entry is
 * parsed and converted alone. Memory stays within one entry's text plus
 * one chunk, however large the document. (When "entries" comes before
 * "magic", which crit never writes, the entries are held until the magic.)
 */
import type { Message } from "@bufbuild/protobuf";
import type { ImageHeader } from "../framing/types.js";
import { CritJsonError, JsonNumber } from "./errors.js";
import { CritImageBuilder } from "./from-crit.js";
import { isJsonSpace, parseJson } from "./parse.js";

/** V8 cannot hold a string over 2^29 characters; an entry of half that is already no CRIU image's. */
const MAX_VALUE_CHARS = 1 << 28;

class Feed {
  buf = "";
  pos = 0;
  /** Characters dropped from the front of buf. */
  base = 0;
  ended = false;
  private bytes = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    /** The most characters one value (an entry) may take: a bigger one is refused before it exhausts memory. */
    private readonly limit = MAX_VALUE_CHARS,
  ) {}

  fail(expected: string, path = ""): never {
    throw new CritJsonError(path, expected, `at character ${this.base + this.pos}`);
  }

  /** Refuses a value of more than `limit` characters, naming where it starts. */
  private within(chars: number): void {
    if (chars > this.limit) this.fail(`a JSON value (an entry) of at most ${this.limit} characters`);
  }

  /** Appends the next chunk; false at the end of input. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    let text: string;
    try {
      text = r.done ? this.decoder.decode() : this.decoder.decode(r.value, { stream: true });
    } catch {
      throw new CritJsonError(
        "",
        "UTF-8 text",
        `invalid UTF-8 within bytes ${this.bytes}..${this.bytes + (r.value?.length ?? 0)}`,
      );
    }
    if (r.done) this.ended = true;
    else this.bytes += r.value.length;
    if (this.pos > 1 << 16) {
      this.base += this.pos;
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
    this.buf += text;
    return true;
  }

  async ws(): Promise<void> {
    for (;;) {
      while (this.pos < this.buf.length && isJsonSpace(this.buf.charCodeAt(this.pos))) this.pos++;
      if (this.pos < this.buf.length || !(await this.more())) return;
    }
  }

  async next(): Promise<string | undefined> {
    await this.ws();
    return this.buf[this.pos++];
  }

  async expect(c: string): Promise<void> {
    const got = await this.next();
    if (got !== c) {
      this.pos--;
      this.fail(`"${c}"`);
    }
  }

  /** The text of the next complete JSON value. */
  async value(): Promise<string> {
    await this.ws();
    let i = this.pos;
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (;;) {
      if (i >= this.buf.length) {
        // The value so far starts at this.pos, which more() may move when it compacts.
        const rel = i - this.pos;
        // Refused before the next chunk is added: what is held stays within the limit plus one chunk.
        this.within(rel);
        if (!(await this.more())) {
          if (depth === 0 && !inString && rel > 0) break;
          this.fail("the rest of a JSON value");
        }
        i = this.pos + rel;
        continue;
      }
      const c = this.buf.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) {
          inString = false;
          if (depth === 0) {
            i++;
            break;
          }
        }
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && (c === 44 || isJsonSpace(c))) break;
      i++;
    }
    this.within(i - this.pos);
    const text = this.buf.slice(this.pos, i);
    this.pos = i;
    return text;
  }
}

/** One typed entry of the image being encoded. */
export interface CritStreamEntry {
  message: Message;
  extra: unknown;
}

/** An image read from crit JSON as it arrives: the header first, then each entry. */
export interface CritJsonStream {
  header: ImageHeader;
  entries: AsyncIterable<CritStreamEntry>;
}

/** Opens a crit JSON document streaming in: resolves with the header once "magic" is read. */
export async function openCritJsonStream(
  source: AsyncIterable<Uint8Array>,
  options: { name?: string; maxEntryChars?: number } = {},
): Promise<CritJsonStream> {
  const feed = new Feed(source[Symbol.asyncIterator](), options.maxEntryChars);
  let builder: CritImageBuilder | undefined;
  const held: string[] = [];
  let index = 0;
  let sawEntries = false;
  // Walks the document; yields each entry's text once the magic is known.
  async function* walk(): AsyncGenerator<string> {
    await feed.expect("{");
    await feed.ws();
    if (feed.buf[feed.pos] === "}") feed.fail('"magic" and "entries"');
    for (;;) {
      const key = parseJson(await feed.value());
      await feed.expect(":");
      if (key === "magic" && !builder) {
        builder = new CritImageBuilder(parseJson(await feed.value(), "magic"));
        yield* held.splice(0);
      } else if (key === "entries" && !sawEntries) {
        sawEntries = true;
        await feed.expect("[");
        await feed.ws();
        if (feed.buf[feed.pos] === "]") feed.pos++;
        else {
          for (;;) {
            const text = await feed.value();
            if (builder) yield text;
            else held.push(text);
            const c = await feed.next();
            if (c === "]") break;
            if (c !== ",") {
              feed.pos--;
              feed.fail('"," or "]" in the entries');
            }
          }
        }
      } else {
        const k = typeof key === "string" ? key : key instanceof JsonNumber ? key.text : JSON.stringify(key);
        throw new CritJsonError(k, '"magic" or "entries"', `no key "${k}" in crit JSON, or given twice`);
      }
      const c = await feed.next();
      if (c === "}") break;
      if (c !== ",") {
        feed.pos--;
        feed.fail('"," or "}"');
      }
    }
    await feed.ws();
    if (feed.pos < feed.buf.length) feed.fail("the end of the JSON text");
    if (!builder) throw new CritJsonError("magic", 'an image kind name such as "FILES"', "no magic");
    if (!sawEntries) throw new CritJsonError("entries", "a list of entries");
  }
  const texts = walk();
  // walk yields only once the magic is known, and refuses a document without one: after the first step, it is.
  const first = await texts.next();
  const b = builder as unknown as CritImageBuilder;
  async function* entries(): AsyncGenerator<CritStreamEntry> {
    let r = first;
    while (!r.done) {
      const i = index++;
      yield b.entry(parseJson(r.value, `entries[${i}]`), i);
      r = await texts.next();
    }
  }
  return { header: b.header(options.name), entries: entries() };
}
