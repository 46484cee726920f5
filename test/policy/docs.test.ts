import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { explainPolicy, initialPolicyText, validatePolicyText } from '../../src/policy/index.js';

// dist/test/policy/docs.test.js -> the repository root.
const repo = fileURLToPath(new URL('../../../', import.meta.url));

void test('docs/policy.md is generated from the current schema', () => {
  const result = spawnSync(process.execPath, ['scripts/policy-docs.mjs', '--check'], { cwd: repo, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

void test('the example in docs/policy.md is a valid policy', () => {
  const docs = readFileSync(new URL('docs/policy.md', `file://${repo}`), 'utf8');
  const example = /## Example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(docs)?.[1];
  assert.ok(example !== undefined, 'no example found');
  const { policy, sources } = validatePolicyText(example, 'example.json', { BULWARK_TLS_DIR: '/etc/bulwark/tls' });
  assert.equal(policy.gateway.tls.certFile, '/etc/bulwark/tls/gateway.pem');
  assert.deepEqual(sources.get('/gateway/tls/keyFile'), { kind: 'env', variable: 'BULWARK_TLS_DIR', file: 'example.json' });
  assert.equal(policy.gateway.authorization.rules.length, 3);
});

void test('policy init text is valid, commented, and holds only default values', () => {
  const text = initialPolicyText('https://bulwark.dev/schemas/policy.schema.json');
  const document = JSON.parse(text) as Record<string, unknown>;
  assert.equal(document.$schema, 'https://bulwark.dev/schemas/policy.schema.json');
  assert.equal(document.version, 1);
  assert.match(String((document.filesystem as Record<string, unknown>).$comment), /Deny by default/);
  const validated = validatePolicyText(text, 'init.json');
  assert.equal(validated.hash, validatePolicyText('{}', 'empty.json').hash);
  assert.ok(explainPolicy(validated).some((entry) => entry.source.kind === 'file'));
});
