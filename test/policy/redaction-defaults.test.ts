import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPolicy } from '../../src/policy/index.js';
import { DEFAULT_NON_SECRET_KEYS, DEFAULT_SENSITIVE_KEYS, MASK } from '../../src/redact/index.js';

// The redaction engine keeps its own copy of the defaults so it works without a policy; they must agree.
void test('the policy and the redaction engine agree on the default sensitive keys and the mask', () => {
  assert.deepEqual([...defaultPolicy().redaction.keys], [...DEFAULT_SENSITIVE_KEYS]);
  assert.deepEqual([...defaultPolicy().redaction.nonSecretKeys], [...DEFAULT_NON_SECRET_KEYS]);
  assert.equal(defaultPolicy().redaction.mask, MASK);
});
