/**
 * The GNU build-id of an ELF file, found the way CRIU finds it when it
 * validates a file on restore (criu/files-reg.c, get_build_id_32/_64): in
 * the first 1 MiB of the file, the first note of type NT_GNU_BUILD_ID in
 * any PT_NOTE segment, whatever its name, at most 512 bytes.
 */

/** How much of a file CRIU maps to look for the build-id (BUILD_ID_MAP_SIZE). */
export const BUILD_ID_HEAD = 1 << 20;

const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;
const MAX_DESC = 512;

/** The build-id bytes of an ELF file's head, or undefined when it has none that CRIU would find. */
export function buildIdOf(head: Uint8Array): Uint8Array | undefined {
  if (head.length < 5 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const wide = head[4] === 2;
  if (!wide && head[4] !== 1) return undefined;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const le = head[5] !== 2;
  const ehdr = wide ? 64 : 52;
  if (head.length < ehdr) return undefined;
  const phoff = wide ? Number(v.getBigUint64(32, le)) : v.getUint32(28, le);
  const phnum = v.getUint16(wide ? 56 : 44, le);
  const phsize = wide ? 56 : 32;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phsize;
    if (ph <= 0 || ph + phsize > head.length) break;
    if (v.getUint32(ph, le) !== PT_NOTE) continue;
    const off = wide ? Number(v.getBigUint64(ph + 8, le)) : v.getUint32(ph + 4, le);
    const filesz = wide ? Number(v.getBigUint64(ph + 32, le)) : v.getUint32(ph + 16, le);
    const end = Math.min(off + filesz, head.length - 12);
    let n = off;
    while (n > 0 && n <= end) {
      const namesz = v.getUint32(n, le);
      const descsz = v.getUint32(n + 4, le);
      const desc = n + 12 + align4(namesz);
      if (v.getUint32(n + 8, le) === NT_GNU_BUILD_ID) {
        if (descsz === 0 || descsz > MAX_DESC || desc + descsz > head.length) return undefined;
        return head.slice(desc, desc + descsz);
      }
      n = desc + align4(descsz);
    }
  }
  return undefined;
}

const align4 = (n: number) => (n + 3) & ~3;

/** reg_file_entry.build_id (little-endian u32 words, zero-padded) as bytes. */
export function buildIdBytes(words: readonly number[]): Uint8Array {
  const b = new Uint8Array(words.length * 4);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => {
    v.setUint32(i * 4, w, true);
  });
  return b;
}

/** How CRIU's validate_with_build_id judges a file: "match", "mismatch", or "unknown" (size only). */
export function compareBuildId(saved: readonly number[], head: Uint8Array): "match" | "mismatch" | "unknown" {
  const id = buildIdOf(head);
  if (!id) return "unknown";
  const want = buildIdBytes(saved);
  if (align4(id.length) !== want.length) return "mismatch";
  for (let i = 0; i < id.length; i++) if (id[i] !== want[i]) return "mismatch";
  return "match";
}

/** A build-id as the hex text `file` and `readelf -n` print. */
export function buildIdHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
