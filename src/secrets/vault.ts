/**
 * The unlocked vault: resolve, set, list, remove, rotate the data key, import a .env file. Every
 * change is written atomically under a lock, re-reading the file first so concurrent changes are
 * kept; every resolution is audited before the value is returned.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { allow, deny, type Decision } from '../decision/index.js';
import { BulwarkError } from '../errors/index.js';
import { registerSecret } from '../redact/index.js';
import { parseEnvFile } from './envfile.js';
import {
  decodeVault,
  deriveKeys,
  encodeVault,
  finish,
  KEY_BYTES,
  newVaultId,
  open,
  PLUGIN_NAME,
  recordAad,
  seal,
  SECRET_NAME,
  strictBase64,
  unlock,
  keyCheck,
  wrapDataKey,
  type DataKeys,
  type SecretRecord,
  type VaultDocument,
  type VaultHeader,
} from './format.js';
import { deriveFromPassphrase, napiKeyring, newKdfParams, parseMasterKey, probeEnv, probeKeyring, probePassphrase, selectProvider, storeLabel, MASTER_KEY_ENV, KEYRING_SERVICE } from './providers.js';
import { defaultVaultPath, readVaultFile, withVaultLock, writeVaultFile } from './store.js';
import type { AuditSink, KeyringBackend, ProviderChoice, ProviderProbes, ProviderSetting, SecretInfo } from './types.js';

/** The requester name of the person at the command line: always allowed to read. */
export const CLI_REQUESTER = 'cli';
/** Values longer than this are refused: a vault holds credentials, not files. */
export const MAX_SECRET_BYTES = 64 * 1024;

export interface VaultOptions {
  /** The vault file; default `$XDG_DATA_HOME/bulwark/vault.json` (else ~/.local/share/...). */
  readonly path?: string;
  /** Master-key provider (policy `secrets.provider`); default `auto`. */
  readonly provider?: ProviderSetting;
  /** Name of the passphrase variable (policy `secrets.passphraseEnv`); default BULWARK_PASSPHRASE. */
  readonly passphraseEnv?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives `secret.access` and change records; awaited, so an audit failure fails the call. */
  readonly audit?: AuditSink;
  /** Who makes changes (the `actor` of set/remove/rotate records); default `cli`. */
  readonly actor?: string;
  /** Create the vault when the file does not exist (the first `set`/`import`); default false. */
  readonly create?: boolean;
  /** Asks for the passphrase without echo; without it the passphrase must be in the environment. */
  readonly prompt?: (question: string, options: { readonly confirm: boolean }) => Promise<string>;
  /** The OS keystore; default @napi-rs/keyring. */
  readonly keyring?: KeyringBackend;
  readonly now?: () => Date;
}

export interface SetOptions {
  /** Plugins that may resolve it (`*`: any). Default: keep the current list; for a new secret, none. */
  readonly plugins?: readonly string[];
}

export interface ImportResult {
  readonly imported: readonly string[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** Pure: may `requester` read a secret with this allow-list? */
export function accessDecision(plugins: readonly string[], requester: string): Decision {
  if (requester === CLI_REQUESTER) return allow('secrets.cli', 'the command-line user may read every secret');
  if (plugins.includes('*')) return allow('secrets.plugins', 'the secret is allowed for every plugin (*)');
  if (plugins.includes(requester)) return allow('secrets.plugins', `${requester} is on the secret's plugin allow-list`);
  return deny('secrets.plugins', `${requester} is not on the secret's plugin allow-list`);
}

export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new BulwarkError('BWK_USAGE', `"${name.slice(0, 64)}" is not a valid secret name`, { fix: 'use letters, digits, _ . - (starting with a letter or _), at most 128 characters, e.g. GITHUB_TOKEN' });
  }
}

export function checkPlugins(plugins: readonly string[]): void {
  for (const plugin of plugins) {
    if (!PLUGIN_NAME.test(plugin)) {
      throw new BulwarkError('BWK_USAGE', `"${plugin.slice(0, 64)}" is not a valid plugin name`, { fix: 'list plugin names separated by commas, e.g. --allow github-tools,@acme/jira; or * for any plugin' });
    }
  }
}

function checkValue(name: string, value: string): void {
  if (value.length === 0) throw new BulwarkError('BWK_USAGE', `the value for ${name} is empty`, { fix: 'pipe the value on stdin, e.g. printf %s "$VALUE" | bulwark secrets set NAME' });
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) throw new BulwarkError('BWK_USAGE', `the value for ${name} is larger than ${MAX_SECRET_BYTES} bytes`, { fix: 'store a credential, not a file' });
}

function notFound(name: string, path: string): BulwarkError {
  return new BulwarkError('BWK_SECRET_NOT_FOUND', `no secret named ${name} in the vault ${path}`, { fix: 'bulwark secrets list shows the names; bulwark secrets set NAME adds one', details: { name } });
}

interface State {
  readonly doc: VaultDocument;
  readonly keys: DataKeys;
  readonly index: ReadonlyMap<string, SecretRecord>;
}

function stateOf(doc: VaultDocument, keys: DataKeys): State {
  return { doc, keys, index: new Map(doc.secrets.map((record) => [record.name, record])) };
}

export class Vault {
  private state: State;
  private onDisk: boolean;
  private pendingKeyring: (() => Promise<void>) | null;

  /** Use `openVault`. */
  constructor(
    readonly path: string,
    readonly provider: ProviderChoice,
    private readonly masterKey: Buffer,
    doc: VaultDocument,
    keys: DataKeys,
    onDisk: boolean,
    pendingKeyring: (() => Promise<void>) | null,
    private readonly options: VaultOptions,
  ) {
    this.state = stateOf(doc, keys);
    this.onDisk = onDisk;
    this.pendingKeyring = pendingKeyring;
  }

  get vaultId(): string {
    return this.state.doc.header.vaultId;
  }

  get createdAt(): string {
    return this.state.doc.header.createdAt;
  }

  get keyRotatedAt(): string | null {
    return this.state.doc.header.keyRotatedAt;
  }

  /** False until the first change is written (a vault opened with `create` on a missing file). */
  get exists(): boolean {
    return this.onDisk;
  }

  has(name: string): boolean {
    return this.state.index.has(name);
  }

  list(): SecretInfo[] {
    return [...this.state.doc.secrets]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ name, version, createdAt, rotatedAt, plugins }) => ({ name, version, createdAt, rotatedAt, plugins: [...plugins] }));
  }

  /**
   * The value of `name` for `requester` (a plugin name, or `cli`). Registers it with the redaction
   * engine and writes a `secret.access` audit record (allow or deny) before returning.
   */
  async resolveSecret(name: string, requester: string): Promise<string> {
    const { index, keys } = this.state;
    const record = index.get(name);
    if (record === undefined) {
      await this.audit({ type: 'secret.access', actor: requester, subject: name, decision: 'deny', rule: 'secrets.not-found', data: { vault: this.vaultId } });
      throw notFound(name, this.path);
    }
    const decision = accessDecision(record.plugins, requester);
    if (decision.effect === 'deny') {
      await this.audit({ type: 'secret.access', actor: requester, subject: name, decision: 'deny', rule: decision.rule, data: { vault: this.vaultId, reason: decision.reason } });
      throw new BulwarkError('BWK_SECRET_DENIED', `${requester} may not use the secret ${name}: ${decision.reason}`, {
        fix: `if it should, add it to the allow-list: bulwark secrets allow ${name} <plugins,...> (the current list plus ${requester})`,
        details: { name, requester },
      });
    }
    const plain = open(keys.recordKey, record, recordAad(record.name, record.version));
    if (plain === null) throw new BulwarkError('BWK_VAULT_TAMPERED', `the secret ${name} does not decrypt`, { fix: 'restore the vault file from a backup' });
    const value = plain.toString('utf8');
    plain.fill(0);
    registerSecret(value, `vault:${name}`);
    await this.audit({ type: 'secret.access', actor: requester, subject: name, decision: 'allow', rule: decision.rule, data: { vault: this.vaultId } });
    return value;
  }

  /** `resolveSecret(name, 'cli')`. */
  get(name: string): Promise<string> {
    return this.resolveSecret(name, CLI_REQUESTER);
  }

  /** Adds or replaces a secret; replacing bumps its version. */
  async set(name: string, value: string, options: SetOptions = {}): Promise<{ readonly version: number; readonly created: boolean }> {
    checkSecretName(name);
    checkValue(name, value);
    if (options.plugins !== undefined) checkPlugins(options.plugins);
    registerSecret(value, `vault:${name}`);
    let result = { version: 1, created: true };
    await this.mutate((doc, keys) => {
      const now = this.now();
      const existing = doc.secrets.find((record) => record.name === name);
      const record = this.sealRecord(keys, name, value, existing, options.plugins, now);
      result = { version: record.version, created: existing === undefined };
      return { header: doc.header, secrets: existing === undefined ? [...doc.secrets, record] : doc.secrets.map((r) => (r.name === name ? record : r)) };
    });
    await this.audit({ type: 'secret.set', actor: this.actor, subject: name, decision: 'allow', data: { vault: this.vaultId, version: result.version, plugins: options.plugins ?? this.state.index.get(name)?.plugins ?? [] } });
    return result;
  }

  /** Replaces the plugin allow-list of a secret (the value is unchanged). */
  async setPlugins(name: string, plugins: readonly string[]): Promise<void> {
    checkPlugins(plugins);
    if (!this.state.index.has(name)) throw notFound(name, this.path);
    await this.mutate((doc) => {
      if (!doc.secrets.some((record) => record.name === name)) throw notFound(name, this.path);
      return { header: doc.header, secrets: doc.secrets.map((record) => (record.name === name ? { ...record, plugins: [...plugins] } : record)) };
    });
    await this.audit({ type: 'secret.allow', actor: this.actor, subject: name, decision: 'allow', data: { vault: this.vaultId, plugins: [...plugins] } });
  }

  async remove(name: string): Promise<void> {
    if (!this.state.index.has(name)) throw notFound(name, this.path);
    await this.mutate((doc) => {
      if (!doc.secrets.some((record) => record.name === name)) throw notFound(name, this.path);
      return { header: doc.header, secrets: doc.secrets.filter((record) => record.name !== name) };
    });
    await this.audit({ type: 'secret.remove', actor: this.actor, subject: name, decision: 'allow', data: { vault: this.vaultId } });
  }

  /** Re-encrypts every secret under a new random data key, wrapped again by the master key. */
  async rotateKey(): Promise<{ readonly secrets: number }> {
    let count = 0;
    await this.mutate((doc, keys) => {
      const now = this.now().toISOString();
      const dataKey = randomBytes(KEY_BYTES);
      const next = deriveKeys(dataKey, doc.header.vaultId);
      const secrets = doc.secrets.map((record) => {
        const plain = open(keys.recordKey, record, recordAad(record.name, record.version));
        if (plain === null) throw new BulwarkError('BWK_VAULT_TAMPERED', `the secret ${record.name} does not decrypt`, { fix: 'restore the vault file from a backup' });
        const box = seal(next.recordKey, plain, recordAad(record.name, record.version));
        plain.fill(0);
        return { ...record, rotatedAt: now, ...box };
      });
      count = secrets.length;
      const header: VaultHeader = { ...doc.header, keyRotatedAt: now, wrappedKey: wrapDataKey(this.masterKey, doc.header.vaultId, dataKey) };
      return { header, secrets, keys: next };
    });
    await this.audit({ type: 'vault.rotate-key', actor: this.actor, subject: this.path, decision: 'allow', data: { vault: this.vaultId, secrets: count } });
    return { secrets: count };
  }

  /** Moves `NAME=value` entries of a .env file into the vault, in one write. The file is left as is. */
  async importEnvFile(file: string, options: SetOptions & { readonly overwrite?: boolean } = {}): Promise<ImportResult> {
    if (options.plugins !== undefined) checkPlugins(options.plugins);
    let text: string;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the file the user named
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new BulwarkError('BWK_IO', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, { fix: 'name an existing .env file', details: { file } });
    }
    const entries = parseEnvFile(text, file);
    for (const entry of entries) if (entry.value !== '') registerSecret(entry.value, `vault:${entry.name}`);
    const imported: string[] = [];
    const skipped: { name: string; reason: string }[] = [];
    await this.mutate((doc, keys) => {
      const now = this.now();
      const secrets = [...doc.secrets];
      for (const entry of entries) {
        if (entry.value === '') {
          skipped.push({ name: entry.name, reason: 'empty value' });
          continue;
        }
        checkValue(entry.name, entry.value);
        const at = secrets.findIndex((record) => record.name === entry.name);
        if (at >= 0 && options.overwrite !== true) {
          skipped.push({ name: entry.name, reason: 'already in the vault (use --overwrite to replace)' });
          continue;
        }
        const record = this.sealRecord(keys, entry.name, entry.value, at >= 0 ? secrets[at] : undefined, options.plugins, now);
        if (at >= 0) secrets[at] = record;
        else secrets.push(record);
        const seen = imported.indexOf(entry.name);
        if (seen >= 0) imported.splice(seen, 1);
        imported.push(entry.name);
      }
      return { header: doc.header, secrets };
    });
    for (const name of imported) await this.audit({ type: 'secret.import', actor: this.actor, subject: name, decision: 'allow', data: { vault: this.vaultId, from: file } });
    return { imported, skipped };
  }

  /** Forgets the keys held in memory; the object is unusable afterwards. */
  lock(): void {
    this.state.keys.dataKey.fill(0);
    this.state.keys.recordKey.fill(0);
    this.state.keys.macKey.fill(0);
    this.masterKey.fill(0);
  }

  // -------------------------------------------------------------------------------------------

  private get actor(): string {
    return this.options.actor ?? CLI_REQUESTER;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async audit(event: Parameters<AuditSink['append']>[0]): Promise<void> {
    if (this.options.audit !== undefined) await this.options.audit.append(event);
  }

  private sealRecord(keys: DataKeys, name: string, value: string, existing: SecretRecord | undefined, plugins: readonly string[] | undefined, now: Date): SecretRecord {
    const version = existing === undefined ? 1 : existing.version + 1;
    const plain = Buffer.from(value, 'utf8');
    const box = seal(keys.recordKey, plain, recordAad(name, version));
    plain.fill(0);
    return {
      name,
      version,
      createdAt: existing?.createdAt ?? now.toISOString(),
      rotatedAt: existing === undefined ? null : now.toISOString(),
      plugins: [...(plugins ?? existing?.plugins ?? [])],
      ...box,
    };
  }

  /** Lock, re-read (keeping concurrent changes), apply `change`, write atomically, then adopt. */
  private async mutate(change: (doc: VaultDocument, keys: DataKeys) => { header: VaultHeader; secrets: readonly SecretRecord[]; keys?: DataKeys }): Promise<void> {
    await withVaultLock(this.path, async () => {
      let base = this.state;
      const text = await readVaultFile(this.path);
      if (text === null) {
        if (this.onDisk) throw new BulwarkError('BWK_IO', `the vault ${this.path} was deleted while open`, { fix: 'run the command again', details: { path: this.path } });
      } else {
        const doc = decodeVault(text, this.path);
        if (doc.header.vaultId !== this.vaultId) throw new BulwarkError('BWK_IO', `the vault ${this.path} was replaced by another vault while open`, { fix: 'run the command again', details: { path: this.path } });
        if (doc.mac !== base.doc.mac) base = stateOf(doc, unlock(doc, this.masterKey, this.path));
      }
      const next = change(base.doc, base.keys);
      const keys = next.keys ?? base.keys;
      const doc = finish(keys, next.header, next.secrets);
      if (this.pendingKeyring !== null) {
        await this.pendingKeyring();
        this.pendingKeyring = null;
      }
      await writeVaultFile(this.path, encodeVault(doc));
      this.state = stateOf(doc, keys);
      this.onDisk = true;
    });
  }
}

/** Gathers what selection needs; the keystore is only probed when it could be chosen. */
async function gatherProbes(setting: ProviderSetting, existing: VaultDocument | null, options: VaultOptions, keyring: KeyringBackend): Promise<ProviderProbes> {
  const env = options.env ?? process.env;
  const needKeyring = existing === null ? setting === 'auto' || setting === 'keyring' : existing.header.provider === 'keyring';
  return {
    keyring: needKeyring ? await probeKeyring(keyring) : [],
    env: probeEnv(env),
    passphrase: probePassphrase(env, options.passphraseEnv ?? 'BULWARK_PASSPHRASE', options.prompt !== undefined),
  };
}

async function readPassphrase(options: VaultOptions, confirm: boolean): Promise<string> {
  const variable = options.passphraseEnv ?? 'BULWARK_PASSPHRASE';
  const fromEnv = (options.env ?? process.env)[variable];
  const passphrase = fromEnv !== undefined && fromEnv !== '' ? fromEnv : await options.prompt?.('Vault passphrase: ', { confirm });
  if (passphrase === undefined || passphrase === '') {
    throw new BulwarkError('BWK_VAULT_LOCKED', 'no passphrase was given', { fix: `set ${variable} or enter the passphrase at the prompt` });
  }
  return passphrase;
}

/**
 * Opens (and unlocks) the vault. With `create`, a missing file becomes a new empty vault that is
 * written on the first change; without it a missing file is BWK_VAULT_NOT_FOUND.
 */
export async function openVault(options: VaultOptions = {}): Promise<Vault> {
  const env = options.env ?? process.env;
  const path = options.path ?? defaultVaultPath(env);
  const setting = options.provider ?? 'auto';
  const keyring = options.keyring ?? napiKeyring(env);
  const text = await readVaultFile(path);
  const existing = text === null ? null : decodeVault(text, path);
  if (existing === null && options.create !== true) {
    throw new BulwarkError('BWK_VAULT_NOT_FOUND', `there is no vault at ${path}`, { fix: 'bulwark secrets set NAME creates it (or pass --vault FILE / set secrets.vaultPath to use another)', details: { path } });
  }
  const probes = await gatherProbes(setting, existing, options, keyring);
  const choice = selectProvider(setting, probes, existing === null ? null : { provider: existing.header.provider, store: existing.header.keyStore });

  if (existing !== null) {
    const { header } = existing;
    let masterKey: Buffer;
    if (choice.provider === 'env') masterKey = parseMasterKey(env[MASTER_KEY_ENV] ?? '');
    else if (choice.provider === 'passphrase') masterKey = await deriveFromPassphrase(await readPassphrase(options, false), header.kdf ?? newKdfParams());
    else {
      const store = header.keyStore ?? 'os';
      const stored = await keyring.get(store, header.vaultId);
      const key = stored === null ? null : strictBase64(stored, KEY_BYTES);
      if (key === null) {
        throw new BulwarkError('BWK_VAULT_LOCKED', `the ${storeLabel(store)} holds no ${stored === null ? '' : 'valid '}master key for this vault (service ${KEYRING_SERVICE}, account ${header.vaultId})`, {
          fix: 'the key was deleted or the vault was copied from another user or machine: restore the keystore entry, or the matching vault',
          details: { path },
        });
      }
      masterKey = key;
    }
    const keys = unlock(existing, masterKey, path);
    return new Vault(path, choice, masterKey, existing, keys, true, null, options);
  }

  // A new vault: fresh id, data key and (for keyring) master key.
  const vaultId = newVaultId();
  let masterKey: Buffer;
  let pendingKeyring: (() => Promise<void>) | null = null;
  const kdf = choice.provider === 'passphrase' ? newKdfParams() : null;
  if (choice.provider === 'env') masterKey = parseMasterKey(env[MASTER_KEY_ENV] ?? '');
  else if (choice.provider === 'passphrase') masterKey = await deriveFromPassphrase(await readPassphrase(options, true), kdf ?? newKdfParams());
  else {
    masterKey = randomBytes(KEY_BYTES);
    const store = choice.store ?? 'os';
    const encoded = masterKey.toString('base64');
    pendingKeyring = () => keyring.set(store, vaultId, encoded);
  }
  const dataKey = randomBytes(KEY_BYTES);
  const keys = deriveKeys(dataKey, vaultId);
  const header: VaultHeader = {
    vaultId,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    keyRotatedAt: null,
    provider: choice.provider,
    keyStore: choice.provider === 'keyring' ? (choice.store ?? 'os') : null,
    kdf,
    keyCheck: keyCheck(masterKey, vaultId),
    wrappedKey: wrapDataKey(masterKey, vaultId, dataKey),
  };
  return new Vault(path, choice, masterKey, finish(keys, header, []), keys, false, pendingKeyring, options);
}
