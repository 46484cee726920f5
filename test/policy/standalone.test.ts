import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPolicy } from '../../src/policy/index.js';
import { compilePolicyValidator, policyValidator, policyValidatorKind } from '../../src/policy/schema.js';

const documents: unknown[] = [
  {},
  { version: 1, gateway: { cors: { origins: ['https://app.example.com'] } } },
  { version: 2 },
  { gateway: { cros: {} } },
  { network: { minTlsVersion: 'TLSv1.1' } },
  { redaction: { keys: 'API_KEY' } },
  { sandbox: { defaultLimits: { memoryMb: -1 } } },
];

test('the build generated the standalone validator and the CLI uses it', () => {
  policyValidator();
  assert.equal(policyValidatorKind(), 'standalone', 'dist/src/policy/policy.validator.cjs is missing: run npm run build');
  assert.ok(defaultPolicy().gateway.rateLimit.enabled);
});

test('the standalone validator agrees with Ajv compiling the schema now (defaults and errors)', () => {
  const generated = policyValidator();
  const compiled = compilePolicyValidator();
  for (const document of documents) {
    const a = structuredClone(document);
    const b = structuredClone(document);
    assert.equal(generated(a), compiled(b), JSON.stringify(document));
    assert.deepEqual(a, b, 'the same defaults were filled in');
    const errors = (list: typeof generated.errors) => (list ?? []).map((error) => `${error.instancePath} ${error.keyword} ${error.message ?? ''}`).sort();
    assert.deepEqual(errors(generated.errors), errors(compiled.errors));
  }
});
