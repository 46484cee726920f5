/**
 * The encrypted secrets vault.
 *
 *   const vault = await openVault({ path, provider: 'auto', audit });
 *   await vault.set('GITHUB_TOKEN', value, { plugins: ['github-tools'] });
 *   const token = await vault.resolveSecret('GITHUB_TOKEN', 'github-tools'); // audited, registered for redaction
 *
 * At rest: AES-256-GCM per secret (fresh nonce, name and version as associated data) under a data
 * key wrapped by a master key from the OS keystore, BULWARK_MASTER_KEY, or a scrypt passphrase;
 * an HMAC over the whole file detects any edit. See format.ts for the file layout.
 */
export { openVault, Vault, accessDecision, checkSecretName, checkPlugins, CLI_REQUESTER, MAX_SECRET_BYTES } from './vault.js';
export type { VaultOptions, SetOptions, ImportResult } from './vault.js';
export { doctor, formatDoctor } from './doctor.js';
export type { DoctorOptions, DoctorReport, ProblemReport } from './doctor.js';
export { selectProvider, parseMasterKey, probeEnv, probePassphrase, napiKeyring, deriveFromPassphrase, MASTER_KEY_ENV, KEYRING_SERVICE, SCRYPT_PARAMS, storeLabel } from './providers.js';
export { decodeVault, encodeVault, unlock, seal, open, recordAad, canonicalBytes, strictBase64, FORMAT, FORMAT_VERSION, AAD_PREFIX, SECRET_NAME, PLUGIN_NAME } from './format.js';
export type { VaultDocument, VaultHeader, SecretRecord, Sealed, KdfParams, DataKeys } from './format.js';
export { defaultVaultPath, permissionProblem, readVaultFile, writeVaultFile } from './store.js';
export { parseEnvFile } from './envfile.js';
export type { EnvEntry } from './envfile.js';
export type * from './types.js';
