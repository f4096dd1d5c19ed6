// Real-Tor mode of the training range: a private Tor network on loopback (see range/tor/README.md).
export {
  rangeTorSites,
  startRangeTor,
  DEFAULT_RANGE_TOR_DIR,
  type RangeTor,
  type RangeTorOptions,
  type RangeTorSite,
} from './range-tor.js';
export {
  startPrivateTorNetwork,
  type OnionServiceRequest,
  type PrivateTorNetwork,
  type PrivateTorNetworkOptions,
  type TorStartupTimings,
} from './network.js';
export { ensureTorInstalled, type TorBinaries } from './install.js';
export {
  recordStreamCircuits,
  TorControlClient,
  type CircuitInfo,
  type StreamCircuitRecorder,
  type StreamInfo,
  type TorControlOptions,
} from './control.js';
export {
  isValidOnionV3,
  onionAddressFromPublicKey,
  onionIdentityFromSeed,
  type OnionIdentity,
} from './onion-keys.js';
export { cleanupStaleTor, findTorProcessesIn } from './processes.js';
export { fetchViaSocks } from './socks-fetch.js';
