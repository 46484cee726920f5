import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BulwarkError } from '../../src/errors/index.js';
import { defaultPolicy, loadPolicy } from '../../src/policy/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'bulwark-policy-load-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function folder(): string {
  const dir = path.join(root, String(counter++));
  mkdirSync(dir);
  return dir;
}

function writePolicy(file: string, document: unknown, mode = 0o600): string {
  writeFileSync(file, JSON.stringify(document));
  chmodSync(file, mode);
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<BulwarkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BulwarkError, String(error));
    return error;
  }
  assert.fail('expected loadPolicy to refuse');
}

const posix = process.platform !== 'win32';

void test('no file anywhere: the embedded defaults, file null', async () => {
  const loaded = await loadPolicy({ cwd: folder(), env: {} });
  assert.equal(loaded.file, null);
  assert.deepEqual(loaded.policy, defaultPolicy());
  assert.ok([...loaded.sources.values()].every((source) => source.kind === 'default'));
});

void test('allowMissing: false refuses when no file is found', async () => {
  const error = await refusal(loadPolicy({ cwd: folder(), env: {}, allowMissing: false }));
  assert.equal(error.code, 'BWK_POLICY_NOT_FOUND');
});

void test('resolution order: file option > BULWARK_CONFIG > ./bulwark.config.json', async () => {
  const dir = folder();
  const local = writePolicy(path.join(dir, 'bulwark.config.json'), { log: { level: 'warn' } });
  const fromEnv = writePolicy(path.join(dir, 'env.json'), { log: { level: 'error' } });
  const explicit = writePolicy(path.join(dir, 'explicit.json'), { log: { level: 'debug' } });

  const a = await loadPolicy({ cwd: dir, env: {} });
  assert.equal(a.file, local);
  assert.equal(a.policy.log.level, 'warn');
  assert.deepEqual(a.sources.get('/log/level'), { kind: 'file', file: local });

  const b = await loadPolicy({ cwd: dir, env: { BULWARK_CONFIG: 'env.json' } });
  assert.equal(b.file, fromEnv);
  assert.equal(b.policy.log.level, 'error');

  const c = await loadPolicy({ cwd: dir, env: { BULWARK_CONFIG: 'env.json' }, file: 'explicit.json' });
  assert.equal(c.file, explicit);
  assert.equal(c.policy.log.level, 'debug');
});

void test('a named file that does not exist is refused, never a silent fallback', async () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), {});
  const viaOption = await refusal(loadPolicy({ cwd: dir, env: {}, file: 'missing.json' }));
  assert.equal(viaOption.code, 'BWK_POLICY_NOT_FOUND');
  assert.match(viaOption.message, /missing\.json does not exist \(named on the command line\)/);
  const viaEnv = await refusal(loadPolicy({ cwd: dir, env: { BULWARK_CONFIG: path.join(dir, 'gone.json') } }));
  assert.equal(viaEnv.code, 'BWK_POLICY_NOT_FOUND');
  assert.match(viaEnv.message, /named by BULWARK_CONFIG/);
});

void test('${VAR} expansion uses the env option', async () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), { secrets: { vaultPath: '${VAULT_DIR}/vault.json' } });
  const loaded = await loadPolicy({ cwd: dir, env: { VAULT_DIR: '/srv/bulwark' } });
  assert.equal(loaded.policy.secrets.vaultPath, '/srv/bulwark/vault.json');
  assert.deepEqual(loaded.sources.get('/secrets/vaultPath'), { kind: 'env', variable: 'VAULT_DIR', file: path.join(dir, 'bulwark.config.json') });
});

void test('a file writable by group or others is refused with the chmod that fixes it', { skip: !posix }, async () => {
  const dir = folder();
  for (const [mode, who] of [[0o620, 'its group'], [0o602, 'others'], [0o666, 'group and others']] as const) {
    const file = writePolicy(path.join(dir, 'bulwark.config.json'), {}, mode);
    const error = await refusal(loadPolicy({ cwd: dir, env: {} }));
    assert.equal(error.code, 'BWK_POLICY_INSECURE_PERMISSIONS');
    assert.ok(error.message.includes(`writable by ${who} (mode 0${mode.toString(8)})`), error.message);
    assert.equal(error.fix, `chmod go-w ${file}`);
    assert.equal(error.exitCode, 2);
  }
  writePolicy(path.join(dir, 'bulwark.config.json'), {}, 0o644);
  assert.ok((await loadPolicy({ cwd: dir, env: {} })).file);
});

void test('a symlink to a group-writable file is refused (the target\'s mode counts)', { skip: !posix }, async () => {
  const dir = folder();
  const target = writePolicy(path.join(dir, 'real.json'), {}, 0o664);
  const link = path.join(dir, 'bulwark.config.json');
  symlinkSync(target, link);
  const error = await refusal(loadPolicy({ cwd: dir, env: {} }));
  assert.equal(error.code, 'BWK_POLICY_INSECURE_PERMISSIONS');
  assert.equal(error.fix, `chmod go-w ${link}`);
});

void test('the chmod fix quotes a path for the shell', { skip: !posix }, async () => {
  const dir = folder();
  const file = writePolicy(path.join(dir, "it's mine.json"), {}, 0o664);
  const error = await refusal(loadPolicy({ cwd: dir, env: {}, file }));
  assert.equal(error.fix, `chmod go-w '${dir}/it'\\''s mine.json'`);
});

void test('a broken symlink in the working directory is an error, not "no file"', { skip: !posix }, async () => {
  const dir = folder();
  symlinkSync(path.join(dir, 'nowhere.json'), path.join(dir, 'bulwark.config.json'));
  const error = await refusal(loadPolicy({ cwd: dir, env: {} }));
  assert.equal(error.code, 'BWK_POLICY_NOT_FOUND');
  assert.match(error.message, /broken symbolic link/);
});

void test('a directory, an oversized file and invalid UTF-8 are refused', async () => {
  const dir = folder();
  mkdirSync(path.join(dir, 'adir'));
  assert.equal((await refusal(loadPolicy({ cwd: dir, env: {}, file: 'adir' }))).code, 'BWK_IO');
  const big = path.join(dir, 'big.json');
  writeFileSync(big, `{"$comment":"${'x'.repeat(1024 * 1024)}"}`, { mode: 0o600 });
  assert.equal((await refusal(loadPolicy({ cwd: dir, env: {}, file: big }))).code, 'BWK_IO');
  const latin1 = path.join(dir, 'latin1.json');
  writeFileSync(latin1, Buffer.from([0x7b, 0x22, 0x24, 0x63, 0x6f, 0x6d, 0x6d, 0x65, 0x6e, 0x74, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]), { mode: 0o600 });
  assert.equal((await refusal(loadPolicy({ cwd: dir, env: {}, file: latin1 }))).code, 'BWK_POLICY_PARSE');
});
