import { pack } from "tar-stream";

export interface TarMember {
  name: string;
  data?: Uint8Array | string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo";
  linkname?: string;
}

/** A tar built in memory, member by member. */
export async function makeTar(members: TarMember[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on("end", () => r()));
  for (const m of members) {
    if (m.type === "directory") p.entry({ name: m.name, type: "directory" });
    else if (m.type === "symlink" || m.type === "link")
      p.entry({ name: m.name, type: m.type, linkname: m.linkname ?? "" });
    else if (m.type === "character-device") p.entry({ name: m.name, type: m.type, devmajor: 1, devminor: 3 });
    else if (m.type === "fifo") p.entry({ name: m.name, type: m.type });
    else p.entry({ name: m.name }, Buffer.from(m.data ?? ""));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
