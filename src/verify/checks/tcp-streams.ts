import { tcpStreamName } from "../../inspect/inet.js";
import type { VerifyContext } from "../context.js";

/**
 * Established TCP sockets have their stream. Its queues need no check here:
 * the framing reads exactly inq_len + outq_len bytes after the entry, or
 * the image fails to parse.
 */
export function* checkTcpStreams(ctx: VerifyContext): Generator<void> {
  const { index } = ctx;
  for (const { id, ino, image, index: at } of index.established) {
    const name = tcpStreamName(ino);
    const stream = ctx.get<"TCP_STREAM">(name);
    if (!ctx.has(name)) {
      ctx.problem(image, "tcp-stream", `established socket ${id} (ino ${ino}) has no ${name}`, at);
    } else if (stream && stream.entries.length !== 1) {
      ctx.problem(name, "tcp-stream", `${stream.entries.length} entries, expected 1`);
    }
    yield;
  }
}
