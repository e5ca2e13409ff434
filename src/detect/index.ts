export type { CredentialKind, Detection, ValueEncoding } from './types.js';
export { scanText } from './scan-text.js';
export { classifyContent, decodeContent, type ContentEncoding, type DecodedContent } from './content.js';
export { accountIdFromKeyId } from './account-id.js';
export { fingerprintOf, publicFingerprintOf, redact } from './identity.js';
