import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainPolicy, formatExplainTable, MASK, policySecretValues, validatePolicyText } from '../../src/policy/index.js';

const TEXT = JSON.stringify({
  network: { allowedHosts: ['api.example.com'] },
  rag: { enabled: true, store: { url: 'postgres://rag:${DB_PASSWORD}@db.internal/rag' } },
  audit: { sinks: [{ url: 'https://logs.example.com/in?token=literal-token-123' }] },
});

void test('explain masks secret fields, whether they come from the file or the environment', () => {
  const validated = validatePolicyText(TEXT, '/etc/bulwark.config.json', { DB_PASSWORD: 'hunter2-db-password' });
  const entries = explainPolicy(validated);
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  assert.equal(byPath.get('/rag/store/url')?.value, MASK);
  assert.equal(byPath.get('/rag/store/url')?.secret, true);
  assert.equal(byPath.get('/audit/sinks/0/url')?.value, MASK);
  assert.equal(byPath.get('/network/allowedHosts')?.secret, false);
  const everything = JSON.stringify(entries) + formatExplainTable(entries);
  assert.doesNotMatch(everything, /hunter2|literal-token-123/);
  // The effective policy itself keeps the real values for the modules that need them.
  assert.equal(validated.policy.rag.store.url, 'postgres://rag:hunter2-db-password@db.internal/rag');
});

void test('an unset secret shows as null, not as a mask', () => {
  const entries = explainPolicy(validatePolicyText('{}', 'p.json'));
  assert.equal(entries.find((entry) => entry.path === '/rag/store/url')?.value, null);
});

void test('sources tell default, file and env apart', () => {
  const validated = validatePolicyText(TEXT, '/etc/bulwark.config.json', { DB_PASSWORD: 'x' });
  const source = (path: string): unknown => explainPolicy(validated).find((entry) => entry.path === path)?.source;
  assert.deepEqual(source('/network/allowedHosts'), { kind: 'file', file: '/etc/bulwark.config.json' });
  assert.deepEqual(source('/rag/enabled'), { kind: 'file', file: '/etc/bulwark.config.json' });
  assert.deepEqual(source('/rag/store/url'), { kind: 'env', variable: 'DB_PASSWORD', file: '/etc/bulwark.config.json' });
  assert.deepEqual(source('/rag/maxResults'), { kind: 'default' });
  assert.deepEqual(source('/network/minTlsVersion'), { kind: 'default' });
  assert.deepEqual(source('/audit/sinks/0/url'), { kind: 'file', file: '/etc/bulwark.config.json' });
});

void test('explain lists leaves in schema order, descending into arrays of objects', () => {
  const validated = validatePolicyText('{"gateway":{"authorization":{"rules":[{"principals":["alice"],"tools":["t"],"effect":"allow"}]}},"version":1}', 'p.json');
  const paths = explainPolicy(validated).map((entry) => entry.path);
  assert.equal(paths[0], '/version');
  assert.ok(paths.indexOf('/execution/allowShell') < paths.indexOf('/gateway/listen/host'));
  assert.deepEqual(
    paths.filter((path) => path.startsWith('/gateway/authorization/rules')),
    ['principals', 'groups', 'scopes', 'tools', 'effect', 'description'].map((key) => `/gateway/authorization/rules/0/${key}`),
  );
  assert.deepEqual(explainPolicy(validated).find((entry) => entry.path === '/gateway/authorization/rules/0/groups')?.source, { kind: 'default' });
  assert.equal(new Set(paths).size, paths.length);
  assert.equal(validated.sources.size, paths.length);
});

void test('policySecretValues returns the set secret values, for registering with redaction', () => {
  const validated = validatePolicyText(TEXT, 'p.json', { DB_PASSWORD: 'pw-123456' });
  assert.deepEqual(policySecretValues(validated.policy).sort(), ['https://logs.example.com/in?token=literal-token-123', 'postgres://rag:pw-123456@db.internal/rag']);
  assert.deepEqual(policySecretValues(validatePolicyText('{}', 'p.json').policy), []);
});

void test('the table is aligned and wraps long arrays inside the value column', () => {
  const table = formatExplainTable(explainPolicy(validatePolicyText('{}', 'p.json')));
  const lines = table.split('\n');
  assert.match(lines[0] ?? '', /^PATH +VALUE +SOURCE$/);
  const sourceColumn = (lines[0] ?? '').indexOf('SOURCE');
  for (const line of lines.slice(1)) {
    if (line.startsWith('/')) assert.equal(line.slice(sourceColumn), 'default', line);
    else assert.match(line, /^ +\S/); // a continuation line of a wrapped array
  }
  assert.ok(lines.every((line) => line.length <= sourceColumn + 'default'.length));
});
