import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileKeyPatterns, DEFAULT_SENSITIVE_KEYS } from '../../src/redact/keys.js';

test('default sensitive keys match the names the seeds name and common variants', () => {
  const keys = compileKeyPatterns(DEFAULT_SENSITIVE_KEYS);
  for (const key of ['API_KEY', 'apiKey', 'x-api-key', 'GITHUB_TOKEN', 'PASSWORD_DB', 'db_password', 'secret', 'client_secret', 'Authorization', 'cookie', 'Set-Cookie', 'private_key', 'privateKey', 'AWS_SECRET_ACCESS_KEY', 'passphrase']) {
    assert.equal(keys.matches(key), true, key);
  }
  for (const key of ['name', 'tokens', 'max_tokens', 'token_count', 'user', 'path', 'keyboard', 'monkey']) {
    assert.equal(keys.matches(key), false, key);
  }
});

test('globs anchor at both ends and place middle parts in order', () => {
  const keys = compileKeyPatterns(['a*b*c', 'exact', '*_suffix']);
  assert.equal(keys.matches('abc'), true);
  assert.equal(keys.matches('a-x-b-y-c'), true);
  assert.equal(keys.matches('acb'), false);
  assert.equal(keys.matches('EXACT'), true);
  assert.equal(keys.matches('exactly'), false);
  assert.equal(keys.matches('my-suffix'), true);
  assert.equal(keys.matches('suffix'), false);
});

test('keywords are the longest literal part of each pattern', () => {
  assert.deepEqual([...compileKeyPatterns(['*api_key*', 'set-cookie', '*_token']).keywords].sort(), ['_token', 'api_key', 'set_cookie']);
});

test('JSON pointers are judged by their last segment; names of variables and key lists are not secrets', () => {
  const keys = compileKeyPatterns(DEFAULT_SENSITIVE_KEYS);
  assert.equal(keys.matches('/secrets/provider'), false);
  assert.equal(keys.matches('/gateway/auth/oauth/clientSecret'), true);
  assert.equal(keys.matches('passphraseEnv'), false);
  assert.equal(keys.matches('nonSecretKeys'), false);
  assert.equal(keys.matches('apiKeys'), true);
});
