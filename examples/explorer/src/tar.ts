/**
 * A streaming tar reader for the page: ustar, pax (path, linkpath, size)
 * and GNU long names, which is what Podman (Go's archive/tar), CRI-O,
 * containerd and GNU tar write. Each member's bytes go to a sink chosen from
 * its header, so a 256 MiB pages file passes through without being held.
 */

export interface TarHeader {
  path: string;
  type: "file" | "directory" | "symlink" | "link" | "other";
  size: number;
  linkname: string;
  mtime: Date | null;
  /** Where the member's bytes start in the (uncompressed) tar stream. */
  offset: number;
}

/** Receives one member's bytes; a chunk is only valid during the call. */
export interface TarSink {
  data(chunk: Uint8Array): void;
  end(): void | Promise<void>;
}

const text = new TextDecoder();
const str = (b: Uint8Array, at: number, len: number) => {
  const f = b.subarray(at, at + len);
  const nul = f.indexOf(0);
  return text.decode(nul < 0 ? f : f.subarray(0, nul));
};

function octal(b: Uint8Array, at: number, len: number): number {
  // Base-256 (GNU, for sizes of 8 GiB and more): high bit of the first byte set.
  if ((b[at] as number) & 0x80) {
    let v = (b[at] as number) & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[at + i] as number);
    return v;
  }
  const s = str(b, at, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return sum === octal(h, 148, 8);
}

function pax(b: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const s = text.decode(b);
  for (let at = 0; at < s.length; ) {
    const sp = s.indexOf(" ", at);
    const len = Number.parseInt(s.slice(at, sp), 10);
    if (!(len > 0)) break;
    const rec = s.slice(sp + 1, at + len - 1);
    const eq = rec.indexOf("=");
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

const TYPES: Record<string, TarHeader["type"]> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "5": "directory",
  "2": "symlink",
  "1": "link",
};

/** What a 512-byte header block says, with what earlier pax and GNU headers set for it. */
type Block =
  | { is: "end" }
  | { is: "meta"; flag: string; size: number }
  | { is: "member"; header: Omit<TarHeader, "offset"> };

/** Turns header blocks into members; pax and GNU long-name bodies are handed back to it. */
class Headers {
  private next = new Map<string, string>();

  block(b: Uint8Array): Block {
    if (b.every((x) => x === 0)) return { is: "end" };
    if (!checksumOk(b)) throw new Error("not a tar archive (a header's checksum is wrong)");
    const flag = String.fromCharCode(b[156] as number);
    let size = octal(b, 124, 12);
    if (flag === "x" || flag === "L" || flag === "K" || flag === "g") {
      if (size > 1 << 20) throw new Error("a tar extended header larger than 1 MiB");
      return { is: "meta", flag, size };
    }
    const prefix = text.decode(b.subarray(257, 262)) === "ustar" ? str(b, 345, 155) : "";
    const path = (this.next.get("path") ?? (prefix ? `${prefix}/${str(b, 0, 100)}` : str(b, 0, 100))).replace(
      /^(\.\/)+/,
      "",
    );
    const linkname = this.next.get("linkpath") ?? str(b, 157, 100);
    if (this.next.has("size")) size = Number(this.next.get("size"));
    const mtime = this.next.has("mtime") ? Number(this.next.get("mtime")) : octal(b, 136, 12);
    this.next = new Map();
    return {
      is: "member",
      header: { path, type: TYPES[flag] ?? "other", size, linkname, mtime: new Date(mtime * 1000) },
    };
  }

  meta(flag: string, body: Uint8Array): void {
    if (flag === "x") for (const [k, v] of pax(body)) this.next.set(k, v);
    if (flag === "L") this.next.set("path", str(body, 0, body.length));
    if (flag === "K") this.next.set("linkpath", str(body, 0, body.length));
  }
}

const padded = (n: number) => n + ((512 - (n % 512)) % 512);

/**
 * Reads a tar that is a Blob (a picked .tar file): headers are read where
 * they are and bodies only when a sink wants them, so a 256 MiB pages
 * member costs nothing until memory is looked at.
 */
export async function readTarBlob(blob: Blob, open: (h: TarHeader) => TarSink | null): Promise<void> {
  const headers = new Headers();
  // Headers and small members are read through a 1 MiB window: one read for many of them.
  let window = new Uint8Array(0);
  let windowAt = 0;
  const bytes = async (at: number, n: number): Promise<Uint8Array> => {
    if (at < windowAt || at + n > windowAt + window.length) {
      window = new Uint8Array(await blob.slice(at, at + Math.max(n, 1 << 20)).arrayBuffer());
      windowAt = at;
    }
    return window.subarray(at - windowAt, at - windowAt + n);
  };
  for (let at = 0; at + 512 <= blob.size; ) {
    const b = headers.block(await bytes(at, 512));
    at += 512;
    if (b.is === "end") return;
    const size = b.is === "meta" ? b.size : b.header.size;
    if (at + size > blob.size) throw new Error("the tar archive ends in the middle of a member");
    if (b.is === "meta") headers.meta(b.flag, await bytes(at, size));
    else {
      const sink = open({ ...b.header, offset: at });
      if (sink) {
        for (let done = 0; done < size; done += 1 << 20)
          sink.data(await bytes(at + done, Math.min(1 << 20, size - done)));
        await sink.end();
      }
    }
    at += padded(size);
  }
}

/** Reads a tar stream, asking `open` for a sink per member (null: not wanted). Throws on a bad header. */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  open: (h: TarHeader) => TarSink | null,
): Promise<void> {
  const headers = new Headers();
  const header = new Uint8Array(512);
  let filled = 0;
  let left = 0; // body bytes of the current member still to come
  let pad = 0;
  // The member's sink, or a pax or GNU long-name body being collected.
  let sink: TarSink | null = null;
  let meta: { flag: string; body: Uint8Array; at: number } | null = null;
  let position = 0; // bytes of the stream consumed before the current chunk

  const onHeader = async (bodyAt: number): Promise<boolean> => {
    const b = headers.block(header);
    if (b.is === "end") return false;
    const size = b.is === "meta" ? b.size : b.header.size;
    left = size;
    pad = padded(size) - size;
    if (b.is === "meta") {
      meta = { flag: b.flag, body: new Uint8Array(size), at: 0 };
      if (size === 0) endBody();
    } else {
      sink = open({ ...b.header, offset: bodyAt });
      if (size === 0) await endBody();
    }
    return true;
  };
  const endBody = async () => {
    if (meta) headers.meta(meta.flag, meta.body);
    meta = null;
    const s = sink;
    sink = null;
    await s?.end();
  };

  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      if (left > 0) {
        const n = Math.min(left, chunk.length - at);
        const part = chunk.subarray(at, at + n);
        const m = meta as { body: Uint8Array; at: number } | null;
        if (m) {
          m.body.set(part, m.at);
          m.at += n;
        } else (sink as TarSink | null)?.data(part);
        at += n;
        left -= n;
        if (left === 0) await endBody();
      } else if (pad > 0) {
        const n = Math.min(pad, chunk.length - at);
        at += n;
        pad -= n;
      } else {
        const n = Math.min(512 - filled, chunk.length - at);
        header.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === 512) {
          filled = 0;
          if (!(await onHeader(position + at))) return;
        }
      }
    }
    position += chunk.length;
  }
  if (left > 0 || filled > 0) throw new Error("the tar archive ends in the middle of a member");
}
