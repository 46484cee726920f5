import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../src/errors/index.js';

// Stable error codes are a public contract: each one is in the README's table with its exit code.
test('every error code is documented in the README with its exit code', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
    assert.ok(readme.includes(`| \`${code}\` | ${exit} |`), `${code} (exit ${exit}) is missing from README.md`);
  }
});
