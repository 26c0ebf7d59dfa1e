/** The fidelity harness: replay scenarios, collect and normalise files, compare with the oracle. */
export { observeScenario, scenarioCommands, reduceNetwork, reduceContainer, type ObserveOptions } from './observe.js';
export { runOracle, formatOracleTable, scenarioDirs, fileKind, type OracleRow, type OracleResult, type OracleStatus, type OracleOptions } from './run-oracle.js';
export { Normalizer, ll6, type NormalizeMapping } from './normalize.js';
export { pyJson } from './pyjson.js';
export { runSetupScript } from './setup.js';
export { writeObservation } from './write.js';
export { XtablesMonitor, renderXtablesTrace, normalizeXtablesTrace } from './xt-trace.js';
export { runtimeReplayEngine } from './runtime-engine.js';
