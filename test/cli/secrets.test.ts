import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CLI, runCli, tempDir } from './helpers.js';

interface Home {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly vault: string;
}

function home(): Home {
  const dir = tempDir('bulwark-secrets-');
  return { dir, vault: join(dir, 'data', 'bulwark', 'vault.json'), env: { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), BULWARK_MASTER_KEY: randomBytes(32).toString('base64') } };
}

/** `bulwark secrets --provider env ARGS...` in `h`'s home. */
function secrets(h: Home, args: readonly string[], input?: string): ReturnType<typeof runCli> {
  return runCli(['secrets', '--provider', 'env', ...args], { cwd: h.dir, env: h.env, input: input ?? '' });
}

const canary = (): string => `canary-${randomBytes(9).toString('hex')}`;

test('set from stdin, get masked, get --reveal, list, rm', () => {
  const h = home();
  const value = canary();
  const set = secrets(h, ['set', 'API_TOKEN', '--allow', 'github-tools,jira'], `${value}\n`);
  assert.equal(set.status, 0, set.stderr);
  assert.match(set.stdout, /stored API_TOKEN \(version 1\)/);
  assert.equal(secrets(h, ['get', 'API_TOKEN']).stdout, '*****\n');
  assert.equal(secrets(h, ['get', 'API_TOKEN', '--reveal']).stdout, `${value}\n`);
  const list = secrets(h, ['list', '--json']);
  assert.equal(list.status, 0, list.stderr);
  const report = JSON.parse(list.stdout) as { provider: string; secrets: { name: string; createdAt: string; rotatedAt: string | null; plugins: string[] }[] };
  assert.equal(report.provider, 'env');
  // The audit log's signing key is kept in the vault too, readable by no plugin.
  assert.deepEqual(report.secrets.map((s) => [s.name, s.plugins, s.rotatedAt]), [['API_TOKEN', ['github-tools', 'jira'], null], ['bulwark.audit-signing-key', [], null]]);
  assert.match(secrets(h, ['list']).stdout, /^NAME\s+CREATED\s+ROTATED\s+PLUGINS\nAPI_TOKEN\s+\S+Z\s+-\s+github-tools,jira\nbulwark\.audit-signing-key\s+\S+Z\s+-\s+\(cli only\)\n$/);
  assert.equal(secrets(h, ['rm', 'API_TOKEN']).status, 0);
  const gone = secrets(h, ['get', 'API_TOKEN']);
  assert.equal(gone.status, 2);
  assert.match(gone.stderr, /BWK_SECRET_NOT_FOUND/);
});

test('a value on the command line is refused, and not echoed back', () => {
  const h = home();
  const value = canary();
  const result = secrets(h, ['set', 'API_TOKEN', value]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /BWK_USAGE: secret values are never taken from the command line/);
  assert.match(result.stderr, /stdin/);
  assert.equal(result.stderr.includes(value), false);
  assert.equal(result.stdout, '');
});

test('a canary secret appears nowhere but in get --reveal: not in the file, stdout, stderr or errors', () => {
  const h = home();
  const value = canary();
  const outputs: string[] = [];
  const run = (args: readonly string[], input?: string): void => {
    const result = secrets(h, args, input);
    outputs.push(result.stdout, result.stderr);
  };
  run(['set', 'CANARY'], value);
  run(['set', 'OTHER'], canary());
  run(['get', 'CANARY']);
  run(['list']);
  run(['list', '--json']);
  run(['doctor']);
  run(['doctor', '--json']);
  run(['rotate-key']);
  run(['get', 'MISSING']);
  run(['set', 'bad name!'], value);
  run(['set', 'CANARY', value]);
  run(['allow', 'CANARY', 'p1,p2']);
  const all = outputs.join('\n');
  for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) {
    assert.equal(all.includes(form), false);
    assert.equal(readFileSync(h.vault, 'utf8').includes(form), false);
  }
  assert.equal(secrets(h, ['get', 'CANARY', '--reveal']).stdout, `${value}\n`);
});

test('rotate-key keeps every value and bumps the rotation time', () => {
  const h = home();
  const value = canary();
  secrets(h, ['set', 'A_KEY'], value);
  const before = readFileSync(h.vault, 'utf8');
  const rotated = secrets(h, ['rotate-key']);
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /re-encrypted 2 secret/, 'the secret and the audit signing key');
  assert.notEqual(readFileSync(h.vault, 'utf8'), before);
  assert.equal(secrets(h, ['get', 'A_KEY', '--reveal']).stdout, `${value}\n`);
  const list = JSON.parse(secrets(h, ['list', '--json']).stdout) as { keyRotatedAt: string | null; secrets: { rotatedAt: string | null }[] };
  assert.notEqual(list.keyRotatedAt, null);
  assert.notEqual(list.secrets[0]?.rotatedAt, null);
});

test('import --from-env-file moves entries and tells the user to delete the file', () => {
  const h = home();
  const a = canary();
  writeFileSync(join(h.dir, '.env'), `A_TOKEN=${a}\nB_TOKEN="two"\n`);
  const result = secrets(h, ['import', '--from-env-file', '.env', '--allow', 'plugin-x']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /imported 2 secret\(s\)/);
  assert.match(result.stdout, /Now delete \.env/);
  assert.equal(result.stdout.includes(a), false);
  assert.equal(secrets(h, ['get', 'A_TOKEN', '--reveal']).stdout, `${a}\n`);
  const again = secrets(h, ['import', '--from-env-file', '.env']);
  assert.match(again.stdout, /skipped A_TOKEN: already in the vault/);
});

test('a wrong master key is BWK_VAULT_LOCKED (exit 2); a bad BULWARK_MASTER_KEY is explained', () => {
  const h = home();
  secrets(h, ['set', 'A_KEY'], canary());
  const wrong = runCli(['secrets', '--provider', 'env', 'list'], { cwd: h.dir, env: { ...h.env, BULWARK_MASTER_KEY: randomBytes(32).toString('base64') } });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /BWK_VAULT_LOCKED/);
  assert.match(wrong.stderr, /fix: set BULWARK_MASTER_KEY/);
  const short = runCli(['secrets', '--provider', 'env', 'list'], { cwd: h.dir, env: { ...h.env, BULWARK_MASTER_KEY: 'c2hvcnQ=' } });
  assert.equal(short.status, 2);
  assert.match(short.stderr, /BWK_MASTER_KEY_INVALID: BULWARK_MASTER_KEY decodes to 5 bytes; it must be exactly 32/);
});

test('a tampered or truncated vault is BWK_VAULT_TAMPERED (exit 1) and is not overwritten', () => {
  const h = home();
  secrets(h, ['set', 'A_KEY'], canary());
  const text = readFileSync(h.vault, 'utf8');
  const at = text.indexOf('"ciphertext":"') + 20;
  writeFileSync(h.vault, `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`);
  const tampered = secrets(h, ['get', 'A_KEY', '--reveal']);
  assert.equal(tampered.status, 1);
  assert.match(tampered.stderr, /BWK_VAULT_TAMPERED/);
  writeFileSync(h.vault, text.slice(0, 100));
  const truncated = secrets(h, ['set', 'B_KEY'], canary());
  assert.equal(truncated.status, 1);
  assert.match(truncated.stderr, /BWK_VAULT_TAMPERED: the vault file .* is truncated or not valid JSON/);
  assert.equal(readFileSync(h.vault, 'utf8'), text.slice(0, 100));
});

test('a vault readable by group or others is refused with the chmod fix', () => {
  const h = home();
  secrets(h, ['set', 'A_KEY'], canary());
  chmodSync(h.vault, 0o640);
  const result = secrets(h, ['list']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /BWK_VAULT_PERMISSIONS: the vault file .* is accessible by its group \(mode 640\)/);
  assert.ok(result.stderr.includes(`fix: chmod 600 ${h.vault}`), result.stderr);
});

test('--vault and secrets.vaultPath choose the file', () => {
  const h = home();
  const custom = join(h.dir, 'custom', 'v.json');
  assert.equal(secrets(h, ['--vault', custom, 'set', 'A_KEY'], canary()).status, 0);
  assert.equal((JSON.parse(secrets(h, ['--vault', custom, 'list', '--json']).stdout) as { vault: string }).vault, custom);
  writeFileSync(join(h.dir, 'bulwark.config.json'), JSON.stringify({ version: 1, secrets: { vaultPath: join(h.dir, 'custom', 'v.json'), provider: 'env' } }));
  chmodSync(join(h.dir, 'bulwark.config.json'), 0o600);
  const viaPolicy = runCli(['secrets', 'list', '--json'], { cwd: h.dir, env: h.env });
  assert.equal(viaPolicy.status, 0, viaPolicy.stderr);
  assert.equal((JSON.parse(viaPolicy.stdout) as { vault: string }).vault, custom);
});

test('doctor reports each provider and why it is not used', () => {
  const h = home();
  const result = runCli(['secrets', 'doctor', '--json'], { cwd: h.dir, env: h.env });
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { inUse: { provider: string } | null; providers: { name: string; available: boolean; reason: string }[] };
  assert.ok(report.inUse !== null);
  const names = report.providers.map((p) => p.name);
  assert.ok(names.some((name) => name.startsWith('env')));
  assert.ok(names.some((name) => name.startsWith('passphrase')));
  if (process.platform === 'linux') {
    const secretService = report.providers.find((p) => p.name.includes('Secret Service'));
    assert.ok(secretService !== undefined);
    if (!secretService.available) assert.match(secretService.reason, /D-Bus/);
  }
  const none = runCli(['secrets', '--provider', 'passphrase', 'doctor'], { cwd: h.dir, env: { HOME: h.dir, XDG_DATA_HOME: join(h.dir, 'data') } });
  assert.equal(none.status, 1);
  assert.match(none.stdout, /in use: {3}none: BWK_KEYSTORE_UNAVAILABLE/);
});

// --- The Linux kernel keyring, for real -------------------------------------------------------

const keyctl = process.platform === 'linux' && spawnSync('keyctl', ['--version'], { encoding: 'utf8' }).status === 0;
const keyringSkip = process.platform !== 'linux' ? ' (SKIPPED: not Linux)' : keyctl ? '' : ' (SKIPPED: keyctl not found; apt-get install keyutils)';

/** Runs the CLI in a new session keyring, as `keyctl session - bulwark ...` would. */
function inSession(h: Home, args: readonly string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync('keyctl', ['session', '-', process.execPath, CLI, 'secrets', ...args], { cwd: h.dir, env: { PATH: process.env.PATH, HOME: h.dir, XDG_DATA_HOME: join(h.dir, 'data') }, input, encoding: 'utf8' });
}

function forgetKey(vaultId: string): void {
  const module = pathToFileURL(createRequire(import.meta.url).resolve('@napi-rs/keyring')).href;
  const script = `import { Entry } from ${JSON.stringify(module)}; new Entry('bulwark', ${JSON.stringify(vaultId)}, { linux: { store: 'keyutils' } }).deletePassword();`;
  spawnSync('keyctl', ['session', '-', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
}

test(`the kernel keyring holds the master key across processes${keyringSkip}`, { skip: keyringSkip !== '' }, () => {
  const h = home();
  const value = canary();
  const set = inSession(h, ['--provider', 'keyring', 'set', 'KERNEL_TOKEN'], value);
  assert.equal(set.status, 0, set.stderr);
  const header = (JSON.parse(readFileSync(h.vault, 'utf8')) as { header: { vaultId: string; provider: string; keyStore: string } }).header;
  try {
    assert.deepEqual([header.provider, header.keyStore], ['keyring', 'keyutils']);
    // Another process in another session finds the key (kept in the user's persistent keyring).
    const get = inSession(h, ['get', 'KERNEL_TOKEN', '--reveal']);
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout, `${value}\n`);
    const doctor = inSession(h, ['doctor', '--json']);
    const report = JSON.parse(doctor.stdout) as { inUse: { provider: string; store: string } };
    assert.deepEqual(report.inUse, { ...report.inUse, provider: 'keyring', store: 'keyutils' });
    assert.equal(readFileSync(h.vault, 'utf8').includes(value), false);
    // Without a session keyring of its own (as in many containers) the kernel keyring may refuse
    // writes: then the explicit provider is refused with the fix, never silently replaced.
    const bare = runCli(['secrets', '--provider', 'keyring', 'list'], { cwd: h.dir, env: { HOME: h.dir, XDG_DATA_HOME: join(h.dir, 'data') } });
    if (bare.status !== 0) {
      assert.match(bare.stderr, /BWK_KEYSTORE_UNAVAILABLE/);
      assert.match(bare.stderr, /keyctl session -/);
    }
  } finally {
    forgetKey(header.vaultId);
  }
  const after = inSession(h, ['get', 'KERNEL_TOKEN', '--reveal']);
  assert.equal(after.status, 2);
  assert.match(after.stderr, /BWK_VAULT_LOCKED: the kernel keyring \(keyutils\) holds no master key for this vault/);
});
