import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AhoCorasick } from '../../src/redact/ahocorasick.js';

function hits(matcher: AhoCorasick, text: string): [string, number][] {
  const out: [string, number][] = [];
  matcher.scan(text, (pattern, end) => out.push([matcher.patterns[pattern] ?? '', end]));
  return out;
}

test('finds overlapping patterns, including ones reached through failure links', () => {
  const matcher = new AhoCorasick(['he', 'she', 'his', 'hers'], { caseFold: false });
  assert.deepEqual(hits(matcher, 'ushers'), [
    ['she', 4],
    ['he', 4],
    ['hers', 6],
  ]);
});

test('case folding matches upper-case text against lower-case patterns', () => {
  const matcher = new AhoCorasick(['ghp_', 'akia'], { caseFold: true });
  assert.deepEqual(hits(matcher, 'x GHP_ y AkIa'), [
    ['ghp_', 6],
    ['akia', 13],
  ]);
  assert.equal(new AhoCorasick(['abc'], { caseFold: false }).test('ABC'), false);
});

test('dash folding treats - and _ as one character', () => {
  const matcher = new AhoCorasick(['api_key'], { caseFold: true, foldDash: true });
  assert.equal(matcher.test('X-API-KEY: 1'), true);
  assert.equal(matcher.test('apikey'), false);
});

test('characters outside the alphabet never match a pattern character', () => {
  const matcher = new AhoCorasick(['ab'], { caseFold: false });
  assert.deepEqual(hits(matcher, 'a\u00e9b ab \u{1F600}ab'), [['ab', 6], ['ab', 11]]);
});

test('agrees with a naive search on random text', () => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = 'abcab_-';
  const word = (length: number): string => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
  const patterns = [...new Set(Array.from({ length: 30 }, () => word(1 + random(4))))];
  const text = word(5000);
  const matcher = new AhoCorasick(patterns, { caseFold: false });
  const expected: string[] = [];
  for (let end = 1; end <= text.length; end++) {
    for (const pattern of patterns) if (text.slice(0, end).endsWith(pattern)) expected.push(`${pattern}@${end}`);
  }
  const actual = hits(matcher, text).map(([pattern, end]) => `${pattern}@${end}`);
  assert.deepEqual(actual.sort(), expected.sort());
});

test('refuses an empty pattern', () => {
  assert.throws(() => new AhoCorasick(['a', ''], { caseFold: false }), /must not be empty/);
});
