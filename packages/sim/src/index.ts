export { EventQueue, EventKind, SequenceCounter } from './event-queue.js';
export { TimerHeap } from './timer-heap.js';
export { exponential, paretoTail, uniform, quantileSorted, mean } from './distributions.js';
export { subSeed, subRandom, hashString } from './seeds.js';
export { Network, DropReason, perfectNetwork, type NetworkConfig, type DelayTail } from './network.js';
export { buildTopology, type Topology, type TopologySpec } from './topology.js';
export {
  Simulator,
  NodeStatus,
  idOf,
  type SimObserver,
  type SimulatorOptions,
  type SimStats,
} from './simulator.js';
export { EMPTY_STEP, type SimNode, type SimNodeInit, type Strategy } from './sim-node.js';
export { Metrics, percentiles, type MetricsSummary, type Percentiles } from './metrics.js';
export { profiles, ProfileName, lanNetwork, wanNetwork, hostileNetwork, type Profile } from './profiles.js';
export { runScenario, type RunResult, type ScenarioSpec } from './scenario.js';
export { seedStrategy, SeedHeartbeatNode, seedDefaults } from './baselines/seed-heartbeat.js';
export { swimStrategy, SwimNode, swimLanDefaults } from './baselines/swim.js';
export {
  DetectorNode,
  pulsemeshStrategy,
  type PulsemeshPreset,
  type PulsemeshStrategyOptions,
} from './detector-node.js';
export { strategyFor, STRATEGY_KEYS, SCALE_MEMBERS_MAX, type StrategyKey } from './strategies.js';
export {
  SimTransport,
  createSimTransports,
  MessageTooLargeError,
  SIM_MESSAGE_BYTES_MAX,
} from './sim-transport.js';
export {
  transportContract,
  ContractViolationError,
  type TransportHarness,
  type ContractCase,
} from './transport-contract.js';
