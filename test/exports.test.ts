import assert from 'node:assert/strict';
import { test } from 'node:test';

// The package's subpath exports resolve to built modules with the documented entry points.
test('every subpath export loads and exposes its entry points', async () => {
  const root = (await import('bulwark')) as Record<string, Record<string, unknown>>;
  assert.equal(typeof root.redact?.createRedactor, 'function');
  assert.equal(typeof ((await import('bulwark/redact')) as Record<string, unknown>).registerSecret, 'function');
  assert.equal(typeof ((await import('bulwark/policy')) as Record<string, unknown>).loadPolicy, 'function');
  assert.equal(typeof ((await import('bulwark/log')) as Record<string, unknown>).createLogger, 'function');
  assert.equal(typeof ((await import('bulwark/errors')) as Record<string, unknown>).BulwarkError, 'function');
  assert.equal(typeof ((await import('bulwark/decision')) as Record<string, unknown>).deny, 'function');
  assert.equal(typeof ((await import('bulwark/runtime')) as Record<string, unknown>).loadRuntime, 'function');
  assert.equal(typeof ((await import('bulwark/secrets')) as Record<string, unknown>).openVault, 'function');
  assert.equal(typeof ((await import('bulwark/audit')) as Record<string, unknown>).openAuditLog, 'function');
});
