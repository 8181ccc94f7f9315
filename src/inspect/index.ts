/**
 * criu-image/inspect: a checkpoint as plain data: processes, files, sockets, mounts, namespaces, container.
 *
 * @module criu-image/inspect
 */
export { type ContainerView, container, metadataJson } from "./container.js";
export {
  CRIT_EXPLORERS,
  type CritExplorer,
  critExplore,
  type Explored,
  type ImageLoader,
  isCritExplorer,
} from "./crit-explore.js";
/** @internal For criu-image/preflight (bundled apart); not part of the API. */
export { type FdRef, fdinfoImageOf, fdRefs } from "./fd-refs.js";
export { type FdView, FileTable, taskFds } from "./files.js";
/** @internal For criu-image/verify (bundled apart); not part of the API. */
export { IdTable } from "./id-table.js";
export {
  type Endpoint,
  eachInetSocket,
  eachSocketEntry,
  type InetSocket,
  inetSockets,
  type Owner,
  type SocketEntry,
  type SocketLayout,
  socketEntries,
  socketFields,
  socketOwners,
  type TcpStreamInfo,
  tcpStreamName,
} from "./inet.js";
export { fileEntryType, type SocketFields } from "./inet-wire.js";
export { type CheckpointInfo, checkpointInfo } from "./info.js";
export {
  type InspectOptions,
  type InspectReport,
  inspectCheckpoint,
  type LazyInspectReport,
  lazyInspect,
} from "./inspect.js";
export { type MountView, mounts } from "./mounts.js";
export { type NamespacesView, type NetAddressView, type NetDeviceView, namespaces, parseIfaddr } from "./namespaces.js";
export { cmdlineAndEnvPages } from "./pages-policy.js";
export { type CredsView, type ProcessView, processes, type ThreadView } from "./processes.js";
/** @internal For criu-image/tcp (bundled apart); not part of the API. */
export {
  FAMILY,
  LOCK_METHOD,
  nameOf,
  PROTO,
  type SocketFamily,
  type SocketKind,
  type SocketProto,
  type SocketState,
  type SocketType,
  STATE,
  socketKind,
  TYPE,
} from "./socket-names.js";
export {
  type LazySocketsView,
  lazySockets,
  type NetlinkSocketView,
  type PacketSocketView,
  type SocketsView,
  sockets,
  type UnixSocketView,
} from "./sockets.js";
export { dumpStats, type StatsView } from "./stats.js";
