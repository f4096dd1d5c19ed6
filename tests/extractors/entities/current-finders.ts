// The same finders of the current implementation.
export { deobfuscateContacts } from '../../../extractors/entities/index.js';
export { findBitcoinAddresses } from '../../../extractors/entities/bitcoin.js';
export { findEthereumAddresses } from '../../../extractors/entities/ethereum.js';
export {
  findAddresses,
  findSessionIds,
  findTelegramHandles,
  findWickrHandles,
} from '../../../extractors/entities/messaging.js';
export { findMoneroAddresses } from '../../../extractors/entities/monero.js';
export { findOnions } from '../../../extractors/entities/onion.js';
export { findFingerprintMentions, findPgpFingerprints } from '../../../extractors/entities/pgp.js';
export { findPhoneNumbers } from '../../../extractors/entities/phone.js';
