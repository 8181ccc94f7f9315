/**
 * criu-image/preflight: will a checkpoint restore on a host? Rules over (checkpoint, host facts).
 *
 * @module criu-image/preflight
 */
export { BUILD_ID_HEAD, buildIdHex, buildIdOf, compareBuildId } from "./build-id.js";
export { NS_KINDS, type NsKind, ownNamespaces, type PreflightContext, preflightContext } from "./context.js";
export {
  type Fact,
  type HostCpu,
  type HostFacts,
  type HostKernel,
  type HostPids,
  type HostSocket,
  type HostStat,
  known,
  type NotKnown,
  notKnown,
  unknownHost,
} from "./host.js";
export { type PreflightOptions, preflight, RULES } from "./preflight.js";
export {
  type Finding,
  type PreflightReport,
  RULE_IDS,
  type RuleId,
  type RuleReport,
  type Severity,
  unchecked,
  type Verdict,
} from "./report.js";
export type { Rule, RuleRun } from "./rule.js";
