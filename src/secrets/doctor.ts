/**
 * `bulwark secrets doctor`: which master-key provider is in use and why the others are not. Reads
 * the vault header only (no key is fetched, no passphrase asked).
 */
import { BulwarkError, isBulwarkError } from '../errors/index.js';
import { decodeVault } from './format.js';
import { napiKeyring, probeEnv, probeKeyring, probePassphrase, selectProvider, storeLabel } from './providers.js';
import { defaultVaultPath, readVaultFile } from './store.js';
import type { KeyringBackend, KeyringStore, ProviderChoice, ProviderName, ProviderSetting } from './types.js';

export interface DoctorOptions {
  readonly path?: string;
  readonly provider?: ProviderSetting;
  readonly passphraseEnv?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly keyring?: KeyringBackend;
  /** Whether a passphrase could be asked on a terminal. */
  readonly interactive?: boolean;
}

export interface ProblemReport {
  readonly code: string;
  readonly message: string;
  readonly fix: string | undefined;
}

export interface DoctorReport {
  readonly vault: {
    readonly path: string;
    readonly exists: boolean;
    readonly vaultId: string | null;
    /** The provider that holds this vault's key (from its header). */
    readonly provider: ProviderName | null;
    readonly keyStore: KeyringStore | null;
    readonly secrets: number | null;
    readonly problem: ProblemReport | null;
  };
  readonly setting: ProviderSetting;
  readonly inUse: ProviderChoice | null;
  readonly error: ProblemReport | null;
  readonly providers: readonly { readonly name: string; readonly available: boolean; readonly reason: string; readonly fix: string | undefined }[];
}

function problem(error: unknown): ProblemReport {
  if (isBulwarkError(error)) return { code: error.code, message: error.message, fix: error.fix };
  return { code: 'BWK_INTERNAL', message: error instanceof Error ? error.message : String(error), fix: undefined };
}

export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const path = options.path ?? defaultVaultPath(env);
  const setting = options.provider ?? 'auto';
  const keyring = options.keyring ?? napiKeyring(env);
  const passphraseEnv = options.passphraseEnv ?? 'BULWARK_PASSPHRASE';

  let exists: boolean;
  let header: { vaultId: string; provider: ProviderName; keyStore: KeyringStore | null } | null = null;
  let secrets: number | null = null;
  let vaultProblem: ProblemReport | null = null;
  try {
    const text = await readVaultFile(path);
    exists = text !== null;
    if (text !== null) {
      const doc = decodeVault(text, path);
      header = doc.header;
      secrets = doc.secrets.length;
    }
  } catch (error) {
    exists = !(isBulwarkError(error) && error.code === 'BWK_VAULT_NOT_FOUND');
    vaultProblem = problem(error);
  }

  const probes = { keyring: await probeKeyring(keyring), env: probeEnv(env), passphrase: probePassphrase(env, passphraseEnv, options.interactive ?? false) };
  const providers = [
    ...(probes.keyring.length === 0
      ? [{ name: 'keyring', available: false, reason: `no OS keystore is supported on ${process.platform}`, fix: undefined }]
      : probes.keyring.map((probe) => ({ name: `keyring (${storeLabel(probe.store)})`, available: probe.result.available, reason: probe.result.reason, fix: probe.result.fix }))),
    { name: 'env (BULWARK_MASTER_KEY)', available: probes.env.available, reason: probes.env.reason, fix: probes.env.fix },
    { name: `passphrase (${passphraseEnv})`, available: probes.passphrase.available, reason: probes.passphrase.reason, fix: probes.passphrase.fix },
  ];
  let inUse: ProviderChoice | null = null;
  let error: ProblemReport | null = null;
  try {
    inUse = selectProvider(setting, probes, header === null ? null : { provider: header.provider, store: header.keyStore });
  } catch (failure) {
    if (!(failure instanceof BulwarkError)) throw failure;
    error = problem(failure);
  }
  return {
    vault: { path, exists, vaultId: header?.vaultId ?? null, provider: header?.provider ?? null, keyStore: header?.keyStore ?? null, secrets, problem: vaultProblem },
    setting,
    inUse,
    error,
    providers,
  };
}

/** The report as text for a person. */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const { vault } = report;
  lines.push(`vault:    ${vault.path}`);
  if (!vault.exists) lines.push('          (does not exist yet; `bulwark secrets set NAME` creates it)');
  else if (vault.problem !== null) lines.push(`          ${vault.problem.code}: ${vault.problem.message}`);
  else lines.push(`          ${vault.secrets ?? 0} secret(s); key held by ${vault.provider ?? '?'}${vault.keyStore === null ? '' : ` (${storeLabel(vault.keyStore)})`}; id ${vault.vaultId ?? '?'}`);
  lines.push(`setting:  secrets.provider = ${report.setting}`);
  if (report.inUse !== null) {
    lines.push(`in use:   ${report.inUse.provider}${report.inUse.store === null ? '' : ` (${storeLabel(report.inUse.store)})`}: ${report.inUse.reason}`);
  } else if (report.error !== null) {
    lines.push(`in use:   none: ${report.error.code}: ${report.error.message}`);
    if (report.error.fix !== undefined) lines.push(`          fix: ${report.error.fix}`);
  }
  lines.push('providers (in order):');
  for (const provider of report.providers) {
    lines.push(`  ${provider.available ? 'ok ' : 'no '} ${provider.name}: ${provider.reason}`);
    if (!provider.available && provider.fix !== undefined) lines.push(`       fix: ${provider.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
