import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { formatError, isBulwarkError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { defaultRegistry, getDefaultRedactor } from '../../src/redact/index.js';
import { accessDecision, doctor, openVault, writeVaultFile, type Vault, type VaultOptions } from '../../src/secrets/index.js';
import { canary, fakeKeyring, masterKeyEnv, memoryAudit, vaultPath } from './helpers.js';

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    if (isBulwarkError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

async function fresh(options: Partial<VaultOptions> = {}): Promise<{ vault: Vault; options: VaultOptions }> {
  const all: VaultOptions = { path: vaultPath(), env: masterKeyEnv(), provider: 'env', create: true, ...options };
  return { vault: await openVault(all), options: all };
}

test('a missing vault is BWK_VAULT_NOT_FOUND unless create is set; nothing is written before the first change', async () => {
  const path = vaultPath();
  assert.equal(await codeOf(() => openVault({ path, env: masterKeyEnv(), provider: 'env' })), 'BWK_VAULT_NOT_FOUND');
  const vault = await openVault({ path, env: masterKeyEnv(), provider: 'env', create: true });
  assert.equal(vault.exists, false);
  assert.throws(() => statSync(path));
});

test('set, resolve, list, remove: file 0600 in a 0700 folder, no plaintext at rest', async () => {
  const { vault, options } = await fresh();
  const value = canary();
  assert.deepEqual(await vault.set('API_TOKEN', value, { plugins: ['github-tools'] }), { version: 1, created: true });
  assert.equal(statSync(vault.path).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(vault.path)).mode & 0o777, 0o700);
  const text = readFileSync(vault.path, 'utf8');
  for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) assert.equal(text.includes(form), false);
  assert.equal(await vault.resolveSecret('API_TOKEN', 'github-tools'), value);

  const again = await openVault(options);
  assert.equal(await again.get('API_TOKEN'), value);
  assert.deepEqual(await again.set('API_TOKEN', `${value}-2`), { version: 2, created: false });
  const [info] = again.list();
  assert.equal(info?.name, 'API_TOKEN');
  assert.equal(info.version, 2);
  assert.deepEqual(info.plugins, ['github-tools']); // kept when --allow is not given
  assert.notEqual(info.rotatedAt, null);
  await again.remove('API_TOKEN');
  assert.deepEqual((await openVault(options)).list(), []);
  assert.equal(await codeOf(() => again.remove('API_TOKEN')), 'BWK_SECRET_NOT_FOUND');
  assert.deepEqual(readdirSync(dirname(vault.path)), ['vault.json']); // no temp or lock files left
});

test('resolveSecret audits allow and deny (name and requester, never the value) and enforces the allow-list', async () => {
  const audit = memoryAudit();
  const { vault } = await fresh({ audit });
  const value = canary();
  await vault.set('DB_PASSWORD', value, { plugins: ['plugin-a'] });
  assert.equal(await vault.resolveSecret('DB_PASSWORD', 'plugin-a'), value);
  assert.equal(await vault.resolveSecret('DB_PASSWORD', 'cli'), value);
  assert.equal(await codeOf(() => vault.resolveSecret('DB_PASSWORD', 'plugin-b')), 'BWK_SECRET_DENIED');
  assert.equal(await codeOf(() => vault.resolveSecret('NOPE', 'plugin-a')), 'BWK_SECRET_NOT_FOUND');
  const access = audit.events.filter((event) => event.type === 'secret.access');
  assert.deepEqual(
    access.map(({ actor, subject, decision, rule }) => [actor, subject, decision, rule]),
    [
      ['plugin-a', 'DB_PASSWORD', 'allow', 'secrets.plugins'],
      ['cli', 'DB_PASSWORD', 'allow', 'secrets.cli'],
      ['plugin-b', 'DB_PASSWORD', 'deny', 'secrets.plugins'],
      ['plugin-a', 'NOPE', 'deny', 'secrets.not-found'],
    ],
  );
  assert.equal(JSON.stringify(audit.events).includes(value), false);
  assert.ok(audit.events.some((event) => event.type === 'secret.set'));
});

test('an audit sink that fails makes resolution fail: no record, no secret', async () => {
  const { vault } = await fresh({ audit: { append: () => Promise.reject(new Error('disk full')) } });
  await assert.rejects(() => vault.set('X_TOKEN', canary()));
  const { vault: ok, options } = await fresh();
  await ok.set('X_TOKEN', canary());
  const failing = await openVault({ ...options, audit: { append: () => Promise.reject(new Error('disk full')) } });
  await assert.rejects(() => failing.resolveSecret('X_TOKEN', 'cli'), /disk full/);
});

test('accessDecision: cli always, * for any plugin, else the list', () => {
  assert.equal(accessDecision([], 'cli').effect, 'allow');
  assert.equal(accessDecision(['*'], 'anything').effect, 'allow');
  assert.equal(accessDecision(['a'], 'a').effect, 'allow');
  assert.equal(accessDecision(['a'], 'b').effect, 'deny');
  assert.equal(accessDecision([], 'a').effect, 'deny');
});

test('a resolved secret is masked in logs and error output', async () => {
  const { vault } = await fresh();
  const value = canary();
  await vault.set('LOG_CANARY', value);
  defaultRegistry.unregister(value); // as in a fresh process: only resolution registers it
  assert.equal(getDefaultRedactor().redactString(`x ${value} y`).text.includes(value), true);
  const resolved = await vault.resolveSecret('LOG_CANARY', 'cli');
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) }, format: 'json' });
  logger.info({ detail: `token is ${resolved}` }, `connecting with ${resolved}`);
  assert.equal(lines.join('').includes(value), false);
  assert.equal(getDefaultRedactor().redactString(`x ${value} y`).text.includes(value), false);
  assert.equal(formatError(new Error(`failed with ${value}`)).includes(value), false);
});

test('rotate-key re-encrypts everything under a new data key; values survive', async () => {
  const { vault, options } = await fresh();
  const values = { A_KEY: canary(), B_KEY: canary() };
  for (const [name, value] of Object.entries(values)) await vault.set(name, value);
  const before = JSON.parse(readFileSync(vault.path, 'utf8')) as { header: { wrappedKey: { ciphertext: string } }; secrets: { ciphertext: string }[] };
  assert.deepEqual(await vault.rotateKey(), { secrets: 2 });
  const after = JSON.parse(readFileSync(vault.path, 'utf8')) as typeof before;
  assert.notEqual(after.header.wrappedKey.ciphertext, before.header.wrappedKey.ciphertext);
  for (let i = 0; i < 2; i++) assert.notEqual(after.secrets[i]?.ciphertext, before.secrets[i]?.ciphertext);
  const reopened = await openVault(options);
  for (const [name, value] of Object.entries(values)) assert.equal(await reopened.get(name), value);
  assert.notEqual(reopened.keyRotatedAt, null);
});

test('a wrong master key is BWK_VAULT_LOCKED; the file is left as it was', async () => {
  const { vault, options } = await fresh();
  await vault.set('A_KEY', canary());
  const text = readFileSync(vault.path, 'utf8');
  assert.equal(await codeOf(() => openVault({ ...options, env: masterKeyEnv() })), 'BWK_VAULT_LOCKED');
  assert.equal(readFileSync(vault.path, 'utf8'), text);
});

test('a truncated or tampered file is refused and a change is not written over it', async () => {
  const { vault, options } = await fresh();
  await vault.set('A_KEY', canary());
  const text = readFileSync(vault.path, 'utf8');
  writeFileSync(vault.path, text.slice(0, text.length / 2));
  assert.equal(await codeOf(() => openVault(options)), 'BWK_VAULT_TAMPERED');
  // The open vault re-reads before writing: a change on top of a damaged file is refused.
  assert.equal(await codeOf(() => vault.set('B_KEY', canary())), 'BWK_VAULT_TAMPERED');
  assert.equal(readFileSync(vault.path, 'utf8'), text.slice(0, text.length / 2));
});

test('group- or other-readable vault files and folders are refused with the chmod fix', async () => {
  const { vault, options } = await fresh();
  await vault.set('A_KEY', canary());
  chmodSync(vault.path, 0o644);
  await assert.rejects(() => openVault(options), (error: unknown) => isBulwarkError(error) && error.code === 'BWK_VAULT_PERMISSIONS' && error.fix === `chmod 600 ${vault.path}`);
  chmodSync(vault.path, 0o600);
  chmodSync(dirname(vault.path), 0o755);
  await assert.rejects(() => openVault(options), (error: unknown) => isBulwarkError(error) && error.code === 'BWK_VAULT_PERMISSIONS' && error.fix === `chmod 700 ${dirname(vault.path)}`);
  chmodSync(dirname(vault.path), 0o700);
  await openVault(options);
});

test('a failed atomic write leaves the old file and no temp file', async () => {
  const { vault } = await fresh();
  await vault.set('A_KEY', canary());
  const text = readFileSync(vault.path, 'utf8');
  const blocked = join(dirname(vault.path), 'sub');
  mkdirSync(join(blocked, 'not-empty'), { recursive: true, mode: 0o700 });
  chmodSync(blocked, 0o700);
  await assert.rejects(() => writeVaultFile(blocked, 'x'), (error: unknown) => isBulwarkError(error) && error.code === 'BWK_IO');
  assert.deepEqual(readdirSync(dirname(vault.path)).sort(), ['sub', 'vault.json']);
  assert.equal(readFileSync(vault.path, 'utf8'), text);
});

test('import --from-env-file moves entries in one write, skips existing ones', async () => {
  const { vault } = await fresh();
  const env = join(dirname(vault.path), '..', 'app.env');
  const a = canary();
  const b = canary();
  writeFileSync(env, `# app\nA_TOKEN=${a}\nexport B_TOKEN="${b}"\nEMPTY=\n`);
  await vault.set('B_TOKEN', 'already-there');
  const result = await vault.importEnvFile(env, { plugins: ['p1'] });
  assert.deepEqual(result.imported, ['A_TOKEN']);
  assert.deepEqual(result.skipped.map((s) => s.name), ['B_TOKEN', 'EMPTY']);
  assert.equal(await vault.get('A_TOKEN'), a);
  assert.equal(await vault.get('B_TOKEN'), 'already-there');
  const overwrite = await vault.importEnvFile(env, { overwrite: true });
  assert.deepEqual(overwrite.imported, ['A_TOKEN', 'B_TOKEN']);
  assert.equal(await vault.get('B_TOKEN'), b);
  assert.equal(readFileSync(vault.path, 'utf8').includes(a), false);
});

test('the passphrase provider stretches with scrypt; a wrong passphrase is BWK_VAULT_LOCKED', async () => {
  const path = vaultPath();
  const vault = await openVault({ path, provider: 'passphrase', passphraseEnv: 'TEST_PASS', env: { TEST_PASS: 'correct horse battery staple' }, create: true });
  await vault.set('A_KEY', 'passphrase-protected');
  const header = (JSON.parse(readFileSync(path, 'utf8')) as { header: { kdf: { N: number; r: number; p: number } } }).header;
  assert.deepEqual([header.kdf.N, header.kdf.r, header.kdf.p], [2 ** 15, 8, 1]);
  const prompted = await openVault({ path, passphraseEnv: 'TEST_PASS', env: {}, prompt: () => Promise.resolve('correct horse battery staple') });
  assert.equal(await prompted.get('A_KEY'), 'passphrase-protected');
  assert.equal(await codeOf(() => openVault({ path, passphraseEnv: 'TEST_PASS', env: { TEST_PASS: 'wrong' } })), 'BWK_VAULT_LOCKED');
});

test('the keyring provider keeps only the random master key, under service bulwark / account = vault id', async () => {
  const keyring = fakeKeyring({ keyutils: true });
  const path = vaultPath();
  const vault = await openVault({ path, env: {}, keyring, create: true });
  assert.equal(vault.provider.provider, 'keyring');
  assert.equal(vault.provider.store, 'keyutils');
  await vault.set('A_KEY', 'in-the-keyring');
  assert.deepEqual([...keyring.entries.keys()], [`keyutils/${vault.vaultId}`]);
  assert.equal(Buffer.from(keyring.entries.get(`keyutils/${vault.vaultId}`)!, 'base64').length, 32);
  assert.equal(await (await openVault({ path, env: {}, keyring })).get('A_KEY'), 'in-the-keyring');
  keyring.entries.clear();
  assert.equal(await codeOf(() => openVault({ path, env: {}, keyring })), 'BWK_VAULT_LOCKED');
  assert.equal(await codeOf(() => openVault({ path, env: masterKeyEnv(), keyring: fakeKeyring({}) })), 'BWK_KEYSTORE_UNAVAILABLE');
});

test('doctor names the provider in use and why the others are not', async () => {
  const { vault, options } = await fresh();
  await vault.set('A_KEY', canary());
  const report = await doctor({ path: vault.path, env: options.env, keyring: fakeKeyring({}) });
  assert.equal(report.inUse?.provider, 'env');
  assert.equal(report.vault.secrets, 1);
  assert.deepEqual(report.providers.map((p) => p.available), [false, false, true, false]);
  assert.match(report.providers[0]!.reason, /fake secret-service down/);
  const none = await doctor({ path: vaultPath(), env: {}, keyring: fakeKeyring({}) });
  assert.equal(none.inUse, null);
  assert.equal(none.error?.code, 'BWK_KEYSTORE_UNAVAILABLE');
});
