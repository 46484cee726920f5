import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBulwarkError } from '../../src/errors/index.js';
import { parseEnvFile } from '../../src/secrets/index.js';

test('parses names, export, quotes, comments and multi-line double quotes', () => {
  const text = ['# comment', '', 'A=plain value # trailing', 'export B="quoted \\"x\\"\\nnext"', "C='single # kept'", 'D=', 'E="line1', 'line2"', 'F=x=y'].join('\n');
  const entries = parseEnvFile(text).map(({ name, value }) => [name, value]);
  assert.deepEqual(entries, [
    ['A', 'plain value'],
    ['B', 'quoted "x"\nnext'],
    ['C', 'single # kept'],
    ['D', ''],
    ['E', 'line1\nline2'],
    ['F', 'x=y'],
  ]);
});

test('a bad line is a usage error naming the line but not quoting it', () => {
  try {
    parseEnvFile('A=1\nthis line holds a-secret-value\n', 'x.env');
    assert.fail('no error');
  } catch (error) {
    assert.ok(isBulwarkError(error));
    assert.equal(error.code, 'BWK_USAGE');
    assert.match(error.message, /line 2/);
    assert.equal(error.message.includes('a-secret-value'), false);
  }
});
