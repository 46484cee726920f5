import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBulwarkError } from '../../src/errors/index.js';
import { parseManifestText, protectedMatch, resolveGrants, validateManifestDocument } from '../../src/manifest/index.js';

const PROTECTED = ['.ssh/', 'id_rsa', '*.pem', '.docker/config.json'];

test('unknown keys are reported with their JSON path and a did-you-mean', () => {
  const result = validateManifestDocument({ name: 'x', version: '1.0.0', permissions: { filesystem: { raed: [] } } });
  const problem = result.problems[0];
  assert.equal(problem?.path, '/permissions/filesystem/raed');
  assert.match(problem.message, /did you mean "read"/);
});

test('process.spawn without a justification is an error', () => {
  const result = validateManifestDocument({ name: 'x', version: '1.0.0', permissions: { process: { spawn: ['git'] } } });
  assert.ok(result.problems.some((problem) => problem.path === '/permissions/process/justification' && /justification/.test(problem.message)));
});

test('parseManifestText throws BWK_MANIFEST_INVALID naming the path', () => {
  assert.throws(() => parseManifestText('{"name":"x","version":"1.0.0","limits":{"memoryMb":"lots"}}', 'm.json'), (error: unknown) => isBulwarkError(error) && error.code === 'BWK_MANIFEST_INVALID' && error.message.includes('/limits/memoryMb'));
});

test('relative and ~ paths resolve; protected paths and home are refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-manifest-'));
  const home = join(root, 'home');
  mkdirSync(join(root, 'plugin', 'data'), { recursive: true });
  mkdirSync(join(home, 'docs'), { recursive: true });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'x');
  const options = { manifestDir: join(root, 'plugin'), home, command: [], env: {}, protectedPatterns: PROTECTED };
  const { grants } = resolveGrants({ name: 'x', version: '1.0.0', permissions: { filesystem: { read: ['./data', '~/docs'] } } }, options);
  assert.ok(grants.some((grant) => grant.path === join(root, 'plugin', 'data') && grant.access === 'ro' && grant.source === 'manifest: permissions.filesystem.read[0]'));
  assert.ok(grants.some((grant) => grant.path === join(home, 'docs') && grant.source === 'manifest: permissions.filesystem.read[1]'));
  for (const bad of ['~/.ssh', '~/.ssh/id_rsa', '~', '/']) {
    assert.throws(() => resolveGrants({ name: 'x', version: '1.0.0', permissions: { filesystem: { read: [bad] } } }, options), (error: unknown) => isBulwarkError(error) && error.code === 'BWK_GRANT_REFUSED', bad);
  }
});

test('protectedMatch follows the policy pattern syntax', () => {
  assert.equal(protectedMatch('/home/u/.ssh/x', PROTECTED), '.ssh/');
  assert.equal(protectedMatch('/srv/cert.PEM', PROTECTED), '*.pem');
  assert.equal(protectedMatch('/home/u/.docker/config.json', PROTECTED), '.docker/config.json');
  assert.equal(protectedMatch('/home/u/docs', PROTECTED), undefined);
});
