/**
 * The vault file format and its cryptography: pure functions, no I/O.
 *
 * A vault is one JSON document:
 *
 *   { "format": "bulwark-vault", "version": 1,
 *     "header": { vaultId, createdAt, keyRotatedAt, provider, keyStore, kdf, keyCheck, wrappedKey },
 *     "secrets": [ { name, version, createdAt, rotatedAt, plugins, nonce, ciphertext, tag }, ... ],
 *     "mac": base64 }
 *
 * - The data key (32 random bytes) is wrapped with AES-256-GCM under the master key.
 * - Each secret is sealed with AES-256-GCM under a record key derived (HKDF) from the data key, with
 *   a fresh 12-byte nonce and the associated data `bulwark-vault/v1|NAME|VERSION`, so a ciphertext
 *   moved to another name or version does not decrypt.
 * - `mac` is HMAC-SHA256, under a second key derived from the data key, over a canonical encoding
 *   of the header and the whole record list: editing the header, deleting, duplicating or
 *   reordering records is detected, not only editing a ciphertext.
 * - `keyCheck` (a MAC of the vault id under the master key) tells a wrong master key apart from a
 *   modified wrapped key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { BulwarkError } from '../errors/index.js';
import type { KeyringStore, ProviderName } from './types.js';

export const FORMAT = 'bulwark-vault';
export const FORMAT_VERSION = 1;
export const AAD_PREFIX = 'bulwark-vault/v1|';
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_BYTES = 16;

/** Secret names: environment-variable-like, so they can be injected as variables later. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/** Plugin names in an allow-list (npm-like), or `*` for any plugin. */
export const PLUGIN_NAME = /^(?:\*|[A-Za-z0-9@][A-Za-z0-9._/@-]{0,213})$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const VAULT_ID = /^[0-9a-f]{32}$/;

export interface KdfParams {
  readonly name: 'scrypt';
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface Sealed {
  readonly nonce: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export interface VaultHeader {
  readonly vaultId: string;
  readonly createdAt: string;
  readonly keyRotatedAt: string | null;
  readonly provider: ProviderName;
  readonly keyStore: KeyringStore | null;
  readonly kdf: KdfParams | null;
  readonly keyCheck: string;
  readonly wrappedKey: Sealed;
}

export interface SecretRecord extends Sealed {
  readonly name: string;
  readonly version: number;
  readonly createdAt: string;
  readonly rotatedAt: string | null;
  readonly plugins: readonly string[];
}

export interface VaultDocument {
  readonly header: VaultHeader;
  readonly secrets: readonly SecretRecord[];
  readonly mac: string;
}

/** The keys derived from an unwrapped data key. */
export interface DataKeys {
  readonly dataKey: Buffer;
  readonly recordKey: Buffer;
  readonly macKey: Buffer;
}

function tampered(message: string, path?: string): BulwarkError {
  return new BulwarkError('BWK_VAULT_TAMPERED', message, {
    fix: 'restore the vault file from a backup; do not edit it by hand (bulwark secrets set/rm/rotate-key change it safely)',
    details: path === undefined ? {} : { path },
  });
}

// ---------------------------------------------------------------------------------------------
// Strict decoding: every field present, of the right type, nothing extra, base64 canonical.

type Json = Record<string, unknown>;

function object(value: unknown, where: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw tampered(`the vault file's ${where} is not an object`);
  const actual = Object.keys(value);
  const extra = actual.find((key) => !keys.includes(key));
  if (extra !== undefined) throw tampered(`the vault file's ${where} has an unexpected field`);
  const missing = keys.find((key) => !Object.hasOwn(value, key));
  if (missing !== undefined) throw tampered(`the vault file's ${where} lacks the field "${missing}"`);
  return value as Json;
}

function string(value: unknown, where: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) throw tampered(`the vault file's ${where} is malformed`);
  return value;
}

function nullable<T>(value: unknown, read: (value: unknown) => T): T | null {
  return value === null ? null : read(value);
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw tampered(`the vault file's ${where} is malformed`);
  return value;
}

/** Decodes base64 and insists the text is the canonical encoding, so no two texts mean the same bytes. */
export function strictBase64(text: string, bytes?: number): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const buffer = Buffer.from(text, 'base64');
  if (buffer.toString('base64') !== text) return null;
  if (bytes !== undefined && buffer.length !== bytes) return null;
  return buffer;
}

function base64(value: unknown, where: string, bytes?: number): string {
  const text = string(value, where);
  if (strictBase64(text, bytes) === null) throw tampered(`the vault file's ${where} is not valid base64 of the right length`);
  return text;
}

function sealed(value: unknown, where: string, extraKeys: readonly string[] = []): Sealed & Json {
  const json = object(value, where, [...extraKeys, 'nonce', 'ciphertext', 'tag']);
  return { ...json, nonce: base64(json.nonce, `${where}.nonce`, NONCE_BYTES), ciphertext: base64(json.ciphertext, `${where}.ciphertext`), tag: base64(json.tag, `${where}.tag`, TAG_BYTES) };
}

function provider(value: unknown): ProviderName {
  if (value === 'keyring' || value === 'env' || value === 'passphrase') return value;
  throw tampered(`the vault file's header.provider is malformed`);
}

function keyStore(value: unknown): KeyringStore {
  if (value === 'secret-service' || value === 'keyutils' || value === 'os') return value;
  throw tampered(`the vault file's header.keyStore is malformed`);
}

function kdf(value: unknown): KdfParams {
  const json = object(value, 'header.kdf', ['name', 'salt', 'N', 'r', 'p']);
  if (json.name !== 'scrypt') throw tampered(`the vault file's header.kdf.name is malformed`);
  return {
    name: 'scrypt',
    salt: base64(json.salt, 'header.kdf.salt', 16),
    N: integer(json.N, 'header.kdf.N', 2 ** 14, 2 ** 20),
    r: integer(json.r, 'header.kdf.r', 8, 32),
    p: integer(json.p, 'header.kdf.p', 1, 16),
  };
}

const HEADER_KEYS = ['vaultId', 'createdAt', 'keyRotatedAt', 'provider', 'keyStore', 'kdf', 'keyCheck', 'wrappedKey'] as const;
const RECORD_KEYS = ['name', 'version', 'createdAt', 'rotatedAt', 'plugins'] as const;

function header(value: unknown): VaultHeader {
  const json = object(value, 'header', HEADER_KEYS);
  const providerName = provider(json.provider);
  const store = nullable(json.keyStore, keyStore);
  const params = nullable(json.kdf, kdf);
  if ((providerName === 'keyring') !== (store !== null) || (providerName === 'passphrase') !== (params !== null)) throw tampered(`the vault file's header does not match its provider`);
  const wrapped = sealed(json.wrappedKey, 'header.wrappedKey');
  if (strictBase64(wrapped.ciphertext, KEY_BYTES) === null) throw tampered(`the vault file's header.wrappedKey is malformed`);
  return {
    vaultId: string(json.vaultId, 'header.vaultId', VAULT_ID),
    createdAt: string(json.createdAt, 'header.createdAt', ISO_TIME),
    keyRotatedAt: nullable(json.keyRotatedAt, (v) => string(v, 'header.keyRotatedAt', ISO_TIME)),
    provider: providerName,
    keyStore: store,
    kdf: params,
    keyCheck: base64(json.keyCheck, 'header.keyCheck', CHECK_BYTES),
    wrappedKey: { nonce: wrapped.nonce, ciphertext: wrapped.ciphertext, tag: wrapped.tag },
  };
}

function record(value: unknown, index: number): SecretRecord {
  const where = `secrets[${index}]`;
  const json = sealed(value, where, RECORD_KEYS);
  const plugins = json.plugins;
  if (!Array.isArray(plugins) || plugins.length > 1000) throw tampered(`the vault file's ${where}.plugins is malformed`);
  return {
    name: string(json.name, `${where}.name`, SECRET_NAME),
    version: integer(json.version, `${where}.version`, 1, Number.MAX_SAFE_INTEGER),
    createdAt: string(json.createdAt, `${where}.createdAt`, ISO_TIME),
    rotatedAt: nullable(json.rotatedAt, (v) => string(v, `${where}.rotatedAt`, ISO_TIME)),
    plugins: plugins.map((plugin) => string(plugin, `${where}.plugins`, PLUGIN_NAME)),
    nonce: json.nonce,
    ciphertext: json.ciphertext,
    tag: json.tag,
  };
}

/** Parses and structurally validates a vault file. Integrity is checked later, by `unlock`. */
export function decodeVault(text: string, path?: string): VaultDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw tampered(`the vault file${path === undefined ? '' : ` ${path}`} is truncated or not valid JSON`, path);
  }
  const top = object(json, 'top level', ['format', 'version', 'header', 'secrets', 'mac']);
  if (top.format !== FORMAT) throw tampered('the file is not a bulwark vault (format field)', path);
  if (top.version !== FORMAT_VERSION) {
    throw new BulwarkError('BWK_VAULT_TAMPERED', `the vault file has format version ${JSON.stringify(top.version)}; this bulwark reads version ${FORMAT_VERSION}`, {
      fix: 'use the bulwark release that wrote this vault, or restore a backup',
      details: path === undefined ? {} : { path },
    });
  }
  if (!Array.isArray(top.secrets)) throw tampered(`the vault file's secrets list is malformed`, path);
  const secrets = top.secrets.map((value, index) => record(value, index));
  const names = new Set<string>();
  for (const secret of secrets) {
    if (names.has(secret.name)) throw tampered(`the vault file holds the name ${secret.name} twice`, path);
    names.add(secret.name);
  }
  return { header: header(top.header), secrets, mac: base64(top.mac, 'mac', 32) };
}

/** The file text: compact JSON and one newline, fields in a fixed order. */
export function encodeVault(doc: VaultDocument): string {
  const { header: h } = doc;
  return `${JSON.stringify({
    format: FORMAT,
    version: FORMAT_VERSION,
    header: {
      vaultId: h.vaultId,
      createdAt: h.createdAt,
      keyRotatedAt: h.keyRotatedAt,
      provider: h.provider,
      keyStore: h.keyStore,
      kdf: h.kdf === null ? null : { name: h.kdf.name, salt: h.kdf.salt, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p },
      keyCheck: h.keyCheck,
      wrappedKey: { nonce: h.wrappedKey.nonce, ciphertext: h.wrappedKey.ciphertext, tag: h.wrappedKey.tag },
    },
    secrets: doc.secrets.map((s) => ({ name: s.name, version: s.version, createdAt: s.createdAt, rotatedAt: s.rotatedAt, plugins: s.plugins, nonce: s.nonce, ciphertext: s.ciphertext, tag: s.tag })),
    mac: doc.mac,
  })}\n`;
}

// ---------------------------------------------------------------------------------------------
// Cryptography.

/** The canonical bytes the whole-file MAC covers: every field except `mac`, in a fixed order. */
export function canonicalBytes(h: VaultHeader, secrets: readonly SecretRecord[]): Buffer {
  return Buffer.from(
    JSON.stringify([
      FORMAT,
      FORMAT_VERSION,
      [h.vaultId, h.createdAt, h.keyRotatedAt, h.provider, h.keyStore, h.kdf === null ? null : [h.kdf.name, h.kdf.salt, h.kdf.N, h.kdf.r, h.kdf.p], h.keyCheck, [h.wrappedKey.nonce, h.wrappedKey.ciphertext, h.wrappedKey.tag]],
      secrets.map((s) => [s.name, s.version, s.createdAt, s.rotatedAt, s.plugins, s.nonce, s.ciphertext, s.tag]),
    ]),
    'utf8',
  );
}

export function recordAad(name: string, version: number): Buffer {
  return Buffer.from(`${AAD_PREFIX}${name}|${version}`, 'utf8');
}

function wrapAad(vaultId: string): Buffer {
  return Buffer.from(`${AAD_PREFIX}wrap|${vaultId}`, 'utf8');
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Returns null when the tag does not verify (wrong key, wrong associated data, changed bytes). */
export function open(key: Buffer, box: Sealed, aad: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.nonce, 'base64'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}

export function keyCheck(masterKey: Buffer, vaultId: string): string {
  return createHmac('sha256', masterKey).update(`${AAD_PREFIX}check|${vaultId}`).digest().subarray(0, CHECK_BYTES).toString('base64');
}

export function deriveKeys(dataKey: Buffer, vaultId: string): DataKeys {
  const salt = Buffer.from(vaultId, 'hex');
  return {
    dataKey,
    recordKey: Buffer.from(hkdfSync('sha256', dataKey, salt, `${AAD_PREFIX}records`, KEY_BYTES)),
    macKey: Buffer.from(hkdfSync('sha256', dataKey, salt, `${AAD_PREFIX}mac`, KEY_BYTES)),
  };
}

export function computeMac(macKey: Buffer, h: VaultHeader, secrets: readonly SecretRecord[]): string {
  return createHmac('sha256', macKey).update(canonicalBytes(h, secrets)).digest('base64');
}

function equalBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Unwraps the data key with the master key and verifies the whole file. Wrong master key:
 * BWK_VAULT_LOCKED. Any other mismatch: BWK_VAULT_TAMPERED.
 */
export function unlock(doc: VaultDocument, masterKey: Buffer, path?: string): DataKeys {
  const { header: h } = doc;
  if (!equalBase64(keyCheck(masterKey, h.vaultId), h.keyCheck)) {
    throw new BulwarkError('BWK_VAULT_LOCKED', `the master key does not open this vault (${h.provider} provider${h.keyStore === null ? '' : `, ${h.keyStore}`})`, {
      fix:
        h.provider === 'env'
          ? 'set BULWARK_MASTER_KEY to the key this vault was created with'
          : h.provider === 'passphrase'
            ? 'enter the passphrase this vault was created with'
            : 'the key in the OS keystore is not this vault\'s: restore it, or restore the vault that matches it',
      details: path === undefined ? {} : { path },
    });
  }
  const dataKey = open(masterKey, h.wrappedKey, wrapAad(h.vaultId));
  if (dataKey?.length !== KEY_BYTES) throw tampered('the vault file\'s wrapped data key was modified', path);
  const keys = deriveKeys(dataKey, h.vaultId);
  if (!equalBase64(computeMac(keys.macKey, h, doc.secrets), doc.mac)) throw tampered('the vault file failed its integrity check (a field, record or the record order was modified)', path);
  return keys;
}

/** Wraps a data key for the header. */
export function wrapDataKey(masterKey: Buffer, vaultId: string, dataKey: Buffer): Sealed {
  return seal(masterKey, dataKey, wrapAad(vaultId));
}

/** Seals the whole document: recomputes the MAC over the header and records. */
export function finish(keys: DataKeys, h: VaultHeader, secrets: readonly SecretRecord[]): VaultDocument {
  return { header: h, secrets, mac: computeMac(keys.macKey, h, secrets) };
}

export function newVaultId(): string {
  return randomBytes(16).toString('hex');
}

export function nowIso(date: Date): string {
  return date.toISOString();
}
