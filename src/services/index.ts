/**
 * Wires the vault and the audit log together: the audit log's Ed25519 signing key lives in the
 * vault, and every vault access and change is written to the audit log. Kept apart from
 * src/runtime so that commands which need neither (bulwark redact) do not load them.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { auditPolicyOnStart, keySigner, openAuditLog, resolveStateDir, type AuditLog, type AuditSigner } from '../audit/index.js';
import { BulwarkError, isBulwarkError } from '../errors/index.js';
import type { Policy } from '../policy/index.js';
import type { Runtime } from '../runtime/index.js';
import { openVault, type ProviderSetting, type Vault, type VaultOptions } from '../secrets/index.js';

/** `~` and `~/x` name the invoking user's home, as everywhere in bulwark's configuration. */
export function expandHome(file: string): string {
  return file === '~' ? homedir() : file.startsWith('~/') ? join(homedir(), file.slice(2)) : file;
}

/** The vault options the policy describes; command-line flags override. */
export function vaultOptionsFromPolicy(policy: Policy, overrides: { vault?: string; provider?: ProviderSetting } = {}): VaultOptions {
  const configured = overrides.vault ?? policy.secrets.vaultPath;
  return {
    path: configured === null ? undefined : resolve(expandHome(configured)),
    provider: overrides.provider ?? policy.secrets.provider,
    passphraseEnv: policy.secrets.passphraseEnv,
  };
}

/** The vault entry holding the audit log's signing key (PKCS#8 PEM); no plugin may read it. */
export const AUDIT_SIGNING_KEY_SECRET = 'bulwark.audit-signing-key';

/** The audit signer whose key is kept in the vault; created there on first use. */
export async function auditSignerFromVault(vault: Vault): Promise<AuditSigner> {
  let pem: string;
  try {
    pem = await vault.get(AUDIT_SIGNING_KEY_SECRET);
  } catch (error) {
    if (!isBulwarkError(error) || error.code !== 'BWK_SECRET_NOT_FOUND') throw error;
    pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await vault.set(AUDIT_SIGNING_KEY_SECRET, pem, { plugins: [] });
  }
  try {
    return keySigner(createPrivateKey(pem));
  } catch (error) {
    throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `the vault entry ${AUDIT_SIGNING_KEY_SECRET} is not an Ed25519 private key`, {
      fix: 'restore the vault from a backup; a new key would make `bulwark audit verify` report a key change',
      cause: error,
    });
  }
}

export interface AuditedVault {
  readonly vault: Vault;
  /** Undefined when the policy turns auditing off (`audit.enabled: false`). */
  readonly audit: AuditLog | undefined;
  close(): Promise<void>;
}

/**
 * Opens the vault with its audit log: the signing key comes from the vault, the policy's hash is
 * compared with the last recorded one (`policy.change`), and the returned vault writes
 * `secret.access` and change records. An audit log that cannot be opened refuses the operation.
 */
export async function openAuditedVault(runtime: Runtime, options: VaultOptions, stateDir?: string): Promise<AuditedVault> {
  const policy = runtime.loaded.policy.audit;
  if (!policy.enabled) {
    const vault = await openVault(options);
    return { vault, audit: undefined, close: () => Promise.resolve() };
  }
  const signer = await auditSignerFromVault(await openVault(options));
  const audit = await openAuditLog({ stateDir: resolveStateDir(stateDir, policy), policy, signer, redactor: runtime.redactor });
  try {
    await auditPolicyOnStart(audit, runtime.loaded);
    const vault = await openVault({ ...options, create: false, audit });
    return { vault, audit, close: () => audit.close() };
  } catch (error) {
    await audit.close();
    throw error;
  }
}
