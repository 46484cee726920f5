import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isBulwarkError } from '../../src/errors/index.js';
import { decodeVault, encodeVault, open, recordAad, seal, strictBase64, unlock, type VaultDocument } from '../../src/secrets/index.js';
import { deriveKeys, finish, keyCheck, newVaultId, wrapDataKey } from '../../src/secrets/format.js';

function sample(secrets: Record<string, string>): { text: string; masterKey: Buffer; doc: VaultDocument } {
  const masterKey = randomBytes(32);
  const dataKey = randomBytes(32);
  const vaultId = newVaultId();
  const keys = deriveKeys(dataKey, vaultId);
  const header = { vaultId, createdAt: '2025-01-02T03:04:05.678Z', keyRotatedAt: null, provider: 'env' as const, keyStore: null, kdf: null, keyCheck: keyCheck(masterKey, vaultId), wrappedKey: wrapDataKey(masterKey, vaultId, dataKey) };
  const records = Object.entries(secrets).map(([name, value]) => ({ name, version: 1, createdAt: header.createdAt, rotatedAt: null, plugins: ['plugin-a'], ...seal(keys.recordKey, Buffer.from(value), recordAad(name, 1)) }));
  const doc = finish(keys, header, records);
  return { text: encodeVault(doc), masterKey, doc };
}

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isBulwarkError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

test('encode/decode round-trips and unlock opens every record', () => {
  const { text, masterKey } = sample({ A: 'alpha-value', B: 'bravo-value' });
  const doc = decodeVault(text);
  assert.equal(encodeVault(doc), text);
  const keys = unlock(doc, masterKey);
  const [a, b] = doc.secrets;
  assert.equal(open(keys.recordKey, a!, recordAad('A', 1))?.toString(), 'alpha-value');
  assert.equal(open(keys.recordKey, b!, recordAad('B', 1))?.toString(), 'bravo-value');
});

test('the file holds no plaintext value', () => {
  const { text } = sample({ TOKEN: 'plain-text-canary-value' });
  assert.equal(text.includes('plain-text-canary-value'), false);
  assert.equal(text.includes(Buffer.from('plain-text-canary-value').toString('base64')), false);
  assert.equal(text.includes(Buffer.from('plain-text-canary-value').toString('hex')), false);
});

test('a ciphertext only opens under its own name and version (associated data)', () => {
  const { masterKey, doc } = sample({ A: 'alpha-value', B: 'bravo-value' });
  const keys = unlock(doc, masterKey);
  const [a] = doc.secrets;
  assert.equal(open(keys.recordKey, a!, recordAad('B', 1)), null);
  assert.equal(open(keys.recordKey, a!, recordAad('A', 2)), null);
});

test('a wrong master key is BWK_VAULT_LOCKED', () => {
  const { text } = sample({ A: 'alpha-value' });
  assert.equal(codeOf(() => unlock(decodeVault(text), randomBytes(32))), 'BWK_VAULT_LOCKED');
});

test('flipping any single byte of the file is detected (every byte, two bit patterns)', () => {
  const { text, masterKey } = sample({ A: 'alpha-value', B: 'bravo-value' });
  const bytes = Buffer.from(text);
  let checked = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x20]) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ mask;
      const code = codeOf(() => unlock(decodeVault(copy.toString('utf8')), masterKey));
      assert.ok(code === 'BWK_VAULT_TAMPERED' || code === 'BWK_VAULT_LOCKED', `byte ${i} ^ ${mask}: ${code}`);
      checked++;
    }
  }
  assert.equal(checked, bytes.length * 2);
});

test('deleting, reordering or duplicating records is detected', () => {
  const { text, masterKey } = sample({ A: 'alpha-value', B: 'bravo-value', C: 'charlie-value' });
  const json = JSON.parse(text) as { secrets: unknown[] };
  const variants = [
    { ...json, secrets: json.secrets.slice(1) },
    { ...json, secrets: [json.secrets[1], json.secrets[0], json.secrets[2]] },
    { ...json, secrets: [...json.secrets, json.secrets[0]] },
  ];
  for (const variant of variants) assert.equal(codeOf(() => unlock(decodeVault(JSON.stringify(variant)), masterKey)), 'BWK_VAULT_TAMPERED');
});

test('a truncated file is BWK_VAULT_TAMPERED at every length', () => {
  const { text } = sample({ A: 'alpha-value' });
  for (let length = 0; length < text.length - 1; length += 7) {
    assert.equal(codeOf(() => decodeVault(text.slice(0, length))), 'BWK_VAULT_TAMPERED', `length ${length}`);
  }
});

test('extra or missing fields and other formats are refused', () => {
  const { text } = sample({ A: 'alpha-value' });
  const json = JSON.parse(text) as Record<string, unknown>;
  assert.equal(codeOf(() => decodeVault(JSON.stringify({ ...json, extra: 1 }))), 'BWK_VAULT_TAMPERED');
  assert.equal(codeOf(() => decodeVault(JSON.stringify({ ...json, format: 'other' }))), 'BWK_VAULT_TAMPERED');
  assert.equal(codeOf(() => decodeVault(JSON.stringify({ ...json, version: 2 }))), 'BWK_VAULT_TAMPERED');
  const { mac: _mac, ...noMac } = json;
  assert.equal(codeOf(() => decodeVault(JSON.stringify(noMac))), 'BWK_VAULT_TAMPERED');
});

test('strictBase64 accepts only the canonical encoding', () => {
  assert.deepEqual(strictBase64('AAE='), Buffer.from([0, 1]));
  assert.equal(strictBase64('AAF='), null); // same bytes, non-canonical padding bits
  assert.equal(strictBase64('AA E='), null);
  assert.equal(strictBase64('AAE'), null);
  assert.equal(strictBase64('AAE=', 3), null);
});
