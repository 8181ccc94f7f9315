/**
 * criu-image/tcp: find, inspect and rewrite the inet sockets of a checkpoint.
 *
 * @module criu-image/tcp
 */

/** The inet sockets of a checkpoint, listed where inspect lists them (one listing, two names). */
export {
  type Endpoint,
  eachInetSocket as eachConnection,
  eachSocketEntry,
  type InetSocket,
  inetSockets as listConnections,
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
  type MetadataChange,
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
export { type CrossPair, crossPairs, type PairEnd, peersElsewhere, rewriteTogether } from "./together.js";
