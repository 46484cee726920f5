import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

// Tests compile to dist/test/cli/, the CLI to dist/src/cli/main.js.
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'bulwark-cli-policy-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function folder(): string {
  const dir = mkdtempSync(path.join(root, `${counter++}-`));
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bulwark <args>` as a user would, with a clean environment (no inherited BULWARK_CONFIG). */
function bulwark(cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writePolicy(file: string, document: unknown, mode = 0o600): void {
  writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  chmodSync(file, mode);
}

const posix = process.platform !== 'win32';

void test('validate without any file: the embedded defaults are valid', () => {
  const run = bulwark(folder(), ['policy', 'validate']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^ok: no policy file .*the embedded defaults are valid \(0 values from file, \d+ defaults\)\n$/);
});

void test('init writes a 0600 file that validates, and refuses to overwrite without --force', () => {
  const dir = folder();
  const file = path.join(dir, 'bulwark.config.json');
  const first = bulwark(dir, ['policy', 'init']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^wrote bulwark\.config\.json \(mode 0600\)/);
  if (posix) assert.equal(statSync(file).mode & 0o777, 0o600);
  const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.equal(document.version, 1);
  assert.equal(typeof document.$schema, 'string');
  assert.equal(typeof document.$comment, 'string');

  const validate = bulwark(dir, ['policy', 'validate']);
  assert.equal(validate.status, 0, validate.stderr);
  assert.match(validate.stdout, /^ok: bulwark\.config\.json is valid \(\d+ values from file, \d+ defaults\)\n$/);

  const again = bulwark(dir, ['policy', 'init']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /BWK_POLICY_EXISTS: bulwark\.config\.json already exists/);
  assert.match(again.stderr, /fix: .*--force/);

  if (posix) chmodSync(file, 0o644);
  const forced = bulwark(dir, ['policy', 'init', '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  if (posix) assert.equal(statSync(file).mode & 0o777, 0o600);
});

void test('an invalid file: exit 2, every problem with its path and a did-you-mean', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), { gateway: { cors: { orgins: ['https://app.example.com'] }, listen: { port: '8443' } }, log: { level: 'verbose' } });
  const run = bulwark(dir, ['policy', 'validate']);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^bulwark: BWK_POLICY_INVALID: .*bulwark\.config\.json has 3 problems:$/m);
  assert.match(run.stderr, /^ {2}\/gateway\/cors\/orgins: unknown key "orgins" \(did you mean "origins"\?\)$/m);
  assert.match(run.stderr, /^ {2}\/gateway\/listen\/port: must be an integer, not a string$/m);
  assert.match(run.stderr, /^ {2}\/log\/level: "verbose" is not one of /m);

  const json = bulwark(dir, ['policy', 'validate', '--json']);
  assert.equal(json.status, 2);
  const result = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; details: { problems: { path: string }[] } } };
  assert.equal(result.ok, false);
  assert.equal(result.error.code, 'BWK_POLICY_INVALID');
  assert.deepEqual(result.error.details.problems.map((problem) => problem.path), ['/gateway/cors/orgins', '/gateway/listen/port', '/log/level']);
});

void test('a JSON syntax error names line and column', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), '{\n  "log": { "level": "info" },\n}\n');
  const run = bulwark(dir, ['policy', 'validate']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /BWK_POLICY_PARSE: .*bulwark\.config\.json:3:1: trailing comma before \}/);
});

void test('a group-writable policy file is refused with the chmod that fixes it', { skip: !posix }, () => {
  const dir = folder();
  const file = path.join(dir, 'bulwark.config.json');
  writePolicy(file, {}, 0o664);
  for (const command of [['policy', 'validate'], ['policy', 'explain']]) {
    const run = bulwark(dir, command);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /BWK_POLICY_INSECURE_PERMISSIONS: policy file .* is writable by its group \(mode 0664\)/);
    assert.ok(run.stderr.includes(`  fix: chmod go-w ${file}\n`), run.stderr);
  }
  chmodSync(file, 0o644);
  assert.equal(bulwark(dir, ['policy', 'validate']).status, 0);
});

void test('BULWARK_CONFIG is honoured, and --config wins over it', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'from-env.json'), { log: { level: 'warn' } });
  writePolicy(path.join(dir, 'from-flag.json'), { log: { level: 'error' } });
  const viaEnv = bulwark(dir, ['policy', 'explain', '--json'], { BULWARK_CONFIG: 'from-env.json' });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  const entries = JSON.parse(viaEnv.stdout) as { path: string; value: unknown; source: { kind: string; file?: string } }[];
  const level = entries.find((entry) => entry.path === '/log/level');
  assert.deepEqual(level, { path: '/log/level', value: 'warn', source: { kind: 'file', file: path.join(dir, 'from-env.json') } });

  const validate = bulwark(dir, ['policy', 'validate'], { BULWARK_CONFIG: 'from-env.json' });
  assert.match(validate.stdout, /^ok: from-env\.json is valid \(1 values from file, \d+ defaults\)/);

  for (const args of [['--config', 'from-flag.json', 'policy', 'explain', '--json'], ['policy', 'explain', '--json', '--config', 'from-flag.json']]) {
    const run = bulwark(dir, args, { BULWARK_CONFIG: 'from-env.json' });
    assert.equal(run.status, 0, run.stderr);
    const flagged = JSON.parse(run.stdout) as { path: string; value: unknown }[];
    assert.equal(flagged.find((entry) => entry.path === '/log/level')?.value, 'error');
  }
});

void test('--config naming a missing file: exit 2, no fallback to the defaults', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), {});
  for (const args of [['--config', 'nope.json', 'policy', 'validate'], ['policy', 'validate', 'nope.json'], ['-c', 'nope.json', 'policy', 'explain']]) {
    const run = bulwark(dir, args);
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, /BWK_POLICY_NOT_FOUND: policy file .*nope\.json does not exist/);
    assert.equal(run.stdout, '');
  }
  const viaEnv = bulwark(dir, ['policy', 'validate'], { BULWARK_CONFIG: 'gone.json' });
  assert.equal(viaEnv.status, 2);
  assert.match(viaEnv.stderr, /named by BULWARK_CONFIG/);
});

void test('explain shows each value with its source and masks secrets', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), {
    rag: { enabled: true, store: { url: 'postgres://rag:${RAG_DB_PASSWORD}@db.internal/rag' } },
    gateway: { tls: { certFile: '${TLS_DIR}/cert.pem', keyFile: '${TLS_DIR}/key.pem' } },
  });
  const env = { RAG_DB_PASSWORD: 'hunter2-db-password', TLS_DIR: '/etc/bulwark' };
  const table = bulwark(dir, ['policy', 'explain'], env);
  assert.equal(table.status, 0, table.stderr);
  assert.doesNotMatch(table.stdout + table.stderr, /hunter2/);
  assert.match(table.stdout, /^policy: bulwark\.config\.json$/m);
  assert.match(table.stdout, /^sha256: [0-9a-f]{64}$/m);
  assert.match(table.stdout, /^PATH +VALUE +SOURCE$/m);
  assert.match(table.stdout, /^\/rag\/store\/url +\*{5} +env \$RAG_DB_PASSWORD$/m);
  assert.match(table.stdout, /^\/gateway\/tls\/certFile +"\/etc\/bulwark\/cert\.pem" +env \$TLS_DIR$/m);
  assert.match(table.stdout, /^\/rag\/enabled +true +file$/m);
  assert.match(table.stdout, /^\/rag\/maxResults +20 +default$/m);

  const json = bulwark(dir, ['policy', 'explain', '--json'], env);
  const entries = JSON.parse(json.stdout) as { path: string; value: unknown; source: unknown }[];
  assert.deepEqual(entries.find((entry) => entry.path === '/rag/store/url'), {
    path: '/rag/store/url',
    value: '*****',
    source: { kind: 'env', variable: 'RAG_DB_PASSWORD', file: path.join(dir, 'bulwark.config.json') },
  });
  assert.doesNotMatch(json.stdout, /hunter2/);

  const missing = bulwark(dir, ['policy', 'validate'], { TLS_DIR: '/etc/bulwark' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /BWK_POLICY_ENV_MISSING: .*\n {2}\/rag\/store\/url: environment variable RAG_DB_PASSWORD is not set/);
});

void test('${VAR} where the schema does not allow it is refused', () => {
  const dir = folder();
  writePolicy(path.join(dir, 'bulwark.config.json'), { network: { allowedHosts: ['${API_HOST}'] } });
  const run = bulwark(dir, ['policy', 'validate'], { API_HOST: 'api.example.com' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /BWK_POLICY_ENV_NOT_ALLOWED: .*\n {2}\/network\/allowedHosts\/0: \$\{API_HOST\} is not expanded in this field/);
  assert.match(run.stderr, /fix: .*\/gateway\/tls\/certFile/);
});

void test('schema prints the draft 2020-12 JSON Schema', () => {
  const run = bulwark(folder(), ['policy', 'schema']);
  assert.equal(run.status, 0, run.stderr);
  const schema = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.additionalProperties, false);
});

void test('policy --help lists the subcommands', () => {
  const run = bulwark(folder(), ['policy', '--help']);
  assert.equal(run.status, 0);
  for (const name of ['validate [options] [file]', 'explain [options]', 'schema', 'init [options]']) assert.ok(run.stdout.includes(`  ${name}`), name);
});
