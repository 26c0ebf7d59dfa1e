/** libnetwork's iptables programming: mechanism (program.ts) and the bridge/port/DNS rule policy. */
export { Iptables, prepareInvocation, type IptablesRunner, type Action } from './program.js';
export {
  setupIPChains, arrangeUserFilterRule, setupBridgeNetworkRules, removeBridgeNetworkRules, setIcc,
  DOCKER_CHAIN, ISOLATION_1, ISOLATION_2, USER_CHAIN, type BridgeRuleConfig,
} from './bridge-rules.js';
export { forward, type PortForward } from './port-rules.js';
export { setupResolverRules, RESOLVER_IP } from './dns-rules.js';
