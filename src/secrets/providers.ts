/**
 * Master-key providers, in order: the OS keystore (@napi-rs/keyring), `BULWARK_MASTER_KEY`, a
 * passphrase stretched with scrypt. Probing is I/O; choosing is a pure function of the probes
 * (`selectProvider`), so every branch is tested without a keystore.
 */
import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { BulwarkError } from '../errors/index.js';
import { KEY_BYTES, strictBase64, type KdfParams } from './format.js';
import type { KeyringBackend, KeyringProbe, KeyringStore, ProbeResult, ProviderChoice, ProviderName, ProviderProbes, ProviderSetting } from './types.js';

export const MASTER_KEY_ENV = 'BULWARK_MASTER_KEY';
export const KEYRING_SERVICE = 'bulwark';
/** The kernel-keyring probe writes this entry (service `bulwark`) and reads it back. */
const PROBE_ACCOUNT = '.probe';
const PROBE_VALUE = 'bulwark keyring probe';
/** scrypt cost for the passphrase provider: N=2^15, r=8, p=1 (32 MiB, ~0.1 s). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;

const SWITCH_FIX = 'or set secrets.provider in the policy (or --provider) to env (BULWARK_MASTER_KEY) or passphrase';

export function storeLabel(store: KeyringStore): string {
  return store === 'secret-service' ? 'Secret Service' : store === 'keyutils' ? 'kernel keyring (keyutils)' : process.platform === 'darwin' ? 'macOS Keychain' : 'Windows Credential Manager';
}

// ---------------------------------------------------------------------------------------------
// BULWARK_MASTER_KEY

/** Parses BULWARK_MASTER_KEY: base64 of exactly 32 bytes. Never quotes the value. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = strictBase64(trimmed) ?? strictBase64(trimmed.replaceAll('-', '+').replaceAll('_', '/').padEnd(Math.ceil(trimmed.length / 4) * 4, '='));
  if (key === null) {
    throw new BulwarkError('BWK_MASTER_KEY_INVALID', `${MASTER_KEY_ENV} is not valid base64`, { fix: `set it to 32 random bytes in base64, e.g. ${MASTER_KEY_ENV}="$(head -c 32 /dev/urandom | base64)"` });
  }
  if (key.length !== KEY_BYTES) {
    throw new BulwarkError('BWK_MASTER_KEY_INVALID', `${MASTER_KEY_ENV} decodes to ${key.length} bytes; it must be exactly ${KEY_BYTES}`, {
      fix: `set it to 32 random bytes in base64, e.g. ${MASTER_KEY_ENV}="$(head -c 32 /dev/urandom | base64)"`,
    });
  }
  return key;
}

export function probeEnv(env: NodeJS.ProcessEnv): ProviderProbes['env'] {
  const value = env[MASTER_KEY_ENV];
  if (value === undefined || value === '') return { available: false, state: 'absent', reason: `${MASTER_KEY_ENV} is not set`, fix: `export ${MASTER_KEY_ENV}="$(head -c 32 /dev/urandom | base64)" and keep it in your CI secret store` };
  try {
    parseMasterKey(value);
    return { available: true, state: 'valid', reason: `${MASTER_KEY_ENV} is set to a valid 32-byte key` };
  } catch (error) {
    const failure = error as BulwarkError;
    return { available: false, state: 'invalid', reason: failure.message, fix: failure.fix };
  }
}

// ---------------------------------------------------------------------------------------------
// Passphrase

export function probePassphrase(env: NodeJS.ProcessEnv, passphraseEnv: string, interactive: boolean): ProviderProbes['passphrase'] {
  const value = env[passphraseEnv];
  if (value !== undefined && value !== '') return { available: true, source: 'env', reason: `the passphrase comes from ${passphraseEnv}` };
  if (interactive) return { available: true, source: 'tty', reason: `${passphraseEnv} is not set; the passphrase will be asked on the terminal` };
  return { available: false, source: null, reason: `${passphraseEnv} is not set and there is no terminal to ask on`, fix: `set ${passphraseEnv} (the name is secrets.passphraseEnv in the policy), or run in a terminal` };
}

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', salt: randomBytes(16).toString('base64'), ...SCRYPT_PARAMS };
}

export async function deriveFromPassphrase(passphrase: string, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), KEY_BYTES, options, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// OS keystore

function explainKeyringError(store: KeyringStore, error: unknown, env: NodeJS.ProcessEnv): ProbeResult {
  const message = error instanceof Error ? error.message : String(error);
  if (store === 'secret-service') {
    const bus = env.DBUS_SESSION_BUS_ADDRESS;
    return {
      available: false,
      reason:
        bus === undefined || bus === ''
          ? 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service (gnome-keyring, KWallet) can be reached'
          : `the Secret Service on the D-Bus session bus did not answer: ${message}`,
      fix: 'run inside a desktop session with gnome-keyring or KWallet unlocked, or use the kernel keyring',
    };
  }
  if (store === 'keyutils') {
    const denied = /AccessDenied|access denied|permission/i.test(message);
    return {
      available: false,
      reason: denied
        ? 'the kernel keyring refused access: this process has no session keyring of its own (usual in containers, cron and sudo/su)'
        : /NoStorageAccess|not supported|ENOSYS|function not implemented/i.test(message)
          ? `the kernel keyring is not available in this kernel or sandbox (${message})`
          : `the kernel keyring failed: ${message}`,
      fix: 'run bulwark under a session keyring: `keyctl session - bulwark secrets ...` (keyctl is in the keyutils package), ' + SWITCH_FIX,
    };
  }
  return { available: false, reason: `the ${storeLabel(store)} failed: ${message}`, fix: `unlock the ${storeLabel(store)}, ${SWITCH_FIX}` };
}

interface NapiEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deletePassword(): boolean;
}
type EntryConstructor = new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => NapiEntry;

/** The real OS keystore through @napi-rs/keyring. The native module loads only when first used. */
export function napiKeyring(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): KeyringBackend {
  let loaded: Promise<EntryConstructor> | undefined;
  const entryClass = (): Promise<EntryConstructor> => {
    loaded ??= import('@napi-rs/keyring').then((module) => module.Entry as unknown as EntryConstructor);
    return loaded;
  };
  const entry = async (store: KeyringStore, account: string): Promise<NapiEntry> => {
    const Entry = await entryClass();
    return store === 'os' ? new Entry(KEYRING_SERVICE, account) : new Entry(KEYRING_SERVICE, account, { linux: { store } });
  };
  const fail = (store: KeyringStore, error: unknown): never => {
    const probe = explainKeyringError(store, error, env);
    throw new BulwarkError('BWK_KEYSTORE_UNAVAILABLE', `the ${storeLabel(store)} cannot be used: ${probe.reason}`, { fix: probe.fix });
  };
  return {
    stores: () => (platform === 'linux' ? ['secret-service', 'keyutils'] : platform === 'darwin' || platform === 'win32' ? ['os'] : []),
    async probe(store) {
      let Entry: EntryConstructor;
      try {
        Entry = await entryClass();
      } catch (error) {
        return { available: false, reason: `the @napi-rs/keyring native module did not load: ${(error as Error).message}`, fix: SWITCH_FIX.replace(/^or /, '') };
      }
      try {
        if (store === 'keyutils') {
          // A full round trip: without a session keyring of its own, a process can read (and get
          // "not found") but not write, so a read alone would claim a keyring that cannot keep a key.
          // One fixed probe entry, overwritten each time and never deleted: a failed write can
          // leave the entry behind, and a fixed name keeps that to one small key per user.
          const probe = new Entry(KEYRING_SERVICE, PROBE_ACCOUNT, { linux: { store } });
          probe.setPassword(PROBE_VALUE);
          if (probe.getPassword() !== PROBE_VALUE) return explainKeyringError(store, new Error('AccessDenied: a value written could not be read back'), env);
          return { available: true, reason: `the ${storeLabel(store)} stored and returned a test key` };
        }
        // A read of an account that does not exist: reaches the store, changes nothing (and does
        // not raise a Keychain or desktop prompt).
        const probe = store === 'os' ? new Entry(KEYRING_SERVICE, PROBE_ACCOUNT) : new Entry(KEYRING_SERVICE, PROBE_ACCOUNT, { linux: { store } });
        probe.getPassword();
        return { available: true, reason: `the ${storeLabel(store)} answered` };
      } catch (error) {
        return explainKeyringError(store, error, env);
      }
    },
    async get(store, account) {
      const item = await entry(store, account);
      try {
        return item.getPassword();
      } catch (error) {
        return fail(store, error);
      }
    },
    async set(store, account, value) {
      const item = await entry(store, account);
      try {
        item.setPassword(value);
      } catch (error) {
        fail(store, error);
      }
    },
    async remove(store, account) {
      const item = await entry(store, account);
      try {
        return item.deletePassword();
      } catch (error) {
        return fail(store, error);
      }
    },
  };
}

export async function probeKeyring(backend: KeyringBackend): Promise<KeyringProbe[]> {
  const probes: KeyringProbe[] = [];
  for (const store of backend.stores()) probes.push({ store, result: await backend.probe(store) });
  return probes;
}

// ---------------------------------------------------------------------------------------------
// Selection: a pure function of the probes.

function keyringSummary(probes: ProviderProbes): string {
  if (probes.keyring.length === 0) return 'no OS keystore is supported on this platform';
  return probes.keyring.map((probe) => `${storeLabel(probe.store)}: ${probe.result.reason}`).join('; ');
}

function unavailable(provider: string, reason: string, fix: string | undefined): BulwarkError {
  return new BulwarkError('BWK_KEYSTORE_UNAVAILABLE', `the ${provider} master-key provider cannot be used: ${reason}`, { fix: fix ?? SWITCH_FIX.replace(/^or /, '') });
}

/**
 * Chooses the master-key provider. `existing`: the provider an existing vault was created with
 * (its key lives only there). An explicit setting that cannot work is refused, never downgraded;
 * `auto` takes the first that works and records why the others were passed over.
 */
export function selectProvider(setting: ProviderSetting, probes: ProviderProbes, existing: { provider: ProviderName; store: KeyringStore | null } | null): ProviderChoice {
  const keyringChoice = (store: KeyringStore | null): ProviderChoice | null => {
    const usable = probes.keyring.find((probe) => probe.result.available && (store === null || probe.store === store));
    return usable === undefined ? null : { provider: 'keyring', store: usable.store, reason: `the OS keystore is available (${storeLabel(usable.store)})`, skipped: [] };
  };
  const keyringFailure = (store: KeyringStore | null): BulwarkError => {
    const relevant = probes.keyring.filter((probe) => store === null || probe.store === store);
    const last = relevant.at(-1)?.result;
    return unavailable('keyring', store === null ? keyringSummary(probes) : (last?.reason ?? 'the store is not supported on this platform'), last?.fix);
  };
  const envFailure = (): BulwarkError =>
    probes.env.state === 'invalid'
      ? new BulwarkError('BWK_MASTER_KEY_INVALID', probes.env.reason, { fix: probes.env.fix })
      : unavailable('env', probes.env.reason, probes.env.fix);

  if (existing !== null) {
    if (setting !== 'auto' && setting !== existing.provider) {
      throw new BulwarkError('BWK_KEYSTORE_UNAVAILABLE', `this vault's master key is held by the ${existing.provider} provider, but the policy asks for ${setting}`, {
        fix: `set secrets.provider to ${existing.provider} or auto (or pass --provider ${existing.provider})`,
      });
    }
    if (existing.provider === 'keyring') {
      const choice = keyringChoice(existing.store);
      if (choice === null) throw keyringFailure(existing.store);
      return { ...choice, reason: `the vault was created with the ${storeLabel(choice.store ?? 'os')}` };
    }
    if (existing.provider === 'env') {
      if (!probes.env.available) throw envFailure();
      return { provider: 'env', store: null, reason: `the vault was created with ${MASTER_KEY_ENV}`, skipped: [] };
    }
    if (!probes.passphrase.available) throw unavailable('passphrase', probes.passphrase.reason, probes.passphrase.fix);
    return { provider: 'passphrase', store: null, reason: `the vault was created with a passphrase; ${probes.passphrase.reason}`, skipped: [] };
  }

  if (setting === 'keyring') return keyringChoice(null) ?? (() => { throw keyringFailure(null); })();
  if (setting === 'env') {
    if (!probes.env.available) throw envFailure();
    return { provider: 'env', store: null, reason: probes.env.reason, skipped: [] };
  }
  if (setting === 'passphrase') {
    if (!probes.passphrase.available) throw unavailable('passphrase', probes.passphrase.reason, probes.passphrase.fix);
    return { provider: 'passphrase', store: null, reason: probes.passphrase.reason, skipped: [] };
  }
  // auto
  const skipped: { provider: string; reason: string }[] = [];
  const keyring = keyringChoice(null);
  if (keyring !== null) return keyring;
  skipped.push({ provider: 'keyring', reason: keyringSummary(probes) });
  if (probes.env.state === 'invalid') throw envFailure(); // set but wrong: a mistake to report, not to skip
  if (probes.env.available) return { provider: 'env', store: null, reason: probes.env.reason, skipped };
  skipped.push({ provider: 'env', reason: probes.env.reason });
  if (probes.passphrase.available) return { provider: 'passphrase', store: null, reason: probes.passphrase.reason, skipped };
  skipped.push({ provider: 'passphrase', reason: probes.passphrase.reason });
  throw new BulwarkError('BWK_KEYSTORE_UNAVAILABLE', `no master-key provider works here: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`, {
    fix: `set ${MASTER_KEY_ENV} (32 random bytes, base64) or a passphrase variable, or run under a session keyring (\`keyctl session - bulwark ...\`); \`bulwark secrets doctor\` shows details`,
  });
}
