/** criu-image/tcp: find, inspect and rewrite the inet sockets of a checkpoint. */

export {
  type Endpoint,
  eachSocketEntry,
  type InetSocket,
  type Owner,
  type SocketEntry,
  type SocketLayout,
  socketEntries,
  socketOwners,
  type TcpStreamInfo,
  tcpStreamName,
} from "../inspect/inet.js";
export type { SocketFamily, SocketKind, SocketProto, SocketState, SocketType } from "../inspect/socket-names.js";
export { TcpRewriteError } from "./errors.js";
export {
  type EndpointChange,
  type RewriteOptions,
  type RewriteReport,
  type RewriteResult,
  rewriteConnections,
} from "./rewrite.js";
export {
  type AddressRule,
  describeRule,
  type EndpointRule,
  parseAddressRule,
  parseEndpointRule,
  type RewriteRule,
} from "./rules.js";

import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { eachInetSocket, type InetSocket } from "../inspect/inet.js";

/** Every inet socket (TCP, UDP, UDPLITE, raw) of a checkpoint (or an in-memory map of its images). */
export function listConnections(checkpoint: CheckpointLike): InetSocket[] {
  return [...eachConnection(checkpoint)];
}

/**
 * The inet sockets of a checkpoint one at a time, as `listConnections`
 * gives them, holding only an index of their owners meanwhile: a
 * checkpoint of a million sockets is listed in a few hundred MiB at most
 * (files.img's own bytes included). Start the loop again for a second pass.
 */
export function eachConnection(checkpoint: CheckpointLike): Generator<InetSocket, void, undefined> {
  return eachInetSocket(Checkpoint.of(checkpoint));
}
