// Every finder of the reference implementation, for the per-family differential test.
export { deobfuscateContacts } from './index.js';
export { findBitcoinAddresses } from './bitcoin.js';
export { findEthereumAddresses } from './ethereum.js';
export { findAddresses, findSessionIds, findTelegramHandles, findWickrHandles } from './messaging.js';
export { findMoneroAddresses } from './monero.js';
export { findOnions } from './onion.js';
export { findFingerprintMentions, findPgpFingerprints } from './pgp.js';
export { findPhoneNumbers } from './phone.js';
