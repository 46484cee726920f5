/**
 * Every detector regex must run in linear time, because the redactor runs on untrusted text.
 * Two independent checks: recheck's automaton checker (no ambiguous unbounded loop: no ReDoS),
 * and the static analyser in fixtures/regex-analysis.ts (no unbounded quantifier at all, no
 * backreference, no repeated group whose iterations can be split more than one way, and a
 * maxLength that really bounds the match). No timing is measured anywhere.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from 'recheck';
import detectors from '../../src/redact/rules/detectors.json' with { type: 'json' };
import { analyzeRegex } from './fixtures/regex-analysis.js';

const rules = detectors.rules as ReadonlyArray<{ id: string; regex: string; flags?: string; maxLength: number }>;

describe('static analysis (fixtures/regex-analysis.ts)', () => {
  test('flags the patterns it exists to catch', () => {
    assert.ok(analyzeRegex('a+').problems.some((p) => p.includes('unbounded')));
    assert.ok(analyzeRegex('x[a-z]*y').problems.some((p) => p.includes('unbounded')));
    assert.ok(analyzeRegex('a{2,}').problems.some((p) => p.includes('unbounded')));
    assert.ok(analyzeRegex('(a)\\1').problems.some((p) => p.includes('backreference')));
    assert.ok(analyzeRegex('x(?:[a-z]{1,4}){1,1000}y').problems.some((p) => p.includes('repeated group')), 'exponential in its bound');
    assert.ok(analyzeRegex('(?:a|ab){1,50}c').problems.some((p) => p.includes('repeated group')));
    assert.ok(analyzeRegex('(?:[ .-]?\\d{1,4}){2,6}').problems.some((p) => p.includes('repeated group')), 'optional separators make the split ambiguous');
    assert.ok(analyzeRegex('(?:A|a){1,9}', 'i').problems.length > 0, 'case folding makes alternatives overlap');
  });

  test('accepts repetitions whose iterations are delimited', () => {
    assert.deepEqual(analyzeRegex('(?:[ .-]\\d{1,5}){2,6}').problems, []);
    assert.deepEqual(analyzeRegex('(?:[a-z0-9-]{1,63}\\.){1,8}[a-z]{2,24}').problems, []);
    assert.deepEqual(analyzeRegex('(?:\\\\[nr]|[A-Za-z0-9+/=\\s]){50,5000}').problems, []);
    assert.deepEqual(analyzeRegex('(?: ?[A-Z0-9]{4}){2,7}').problems, []);
    assert.deepEqual(analyzeRegex('(?:A|b){1,9}').problems, []);
  });

  test('computes the longest match', () => {
    assert.equal(analyzeRegex('ghp_[0-9A-Za-z]{36}').maxLength, 40);
    assert.equal(analyzeRegex('(?<![a-z])ab(?=c)').maxLength, 2);
    assert.equal(analyzeRegex('(?:ab|c){0,3}d?').maxLength, 7);
    assert.equal(analyzeRegex('\\\\[nr]').maxLength, 2);
    assert.equal(analyzeRegex('x+').maxLength, Infinity);
  });
});

describe('detector regexes', () => {
  test('have no unbounded quantifier, no backreference and no ambiguous repeated group', () => {
    const problems = rules.flatMap((rule) => analyzeRegex(rule.regex, rule.flags).problems.map((problem) => `${rule.id}: ${problem}`));
    assert.deepEqual(problems, []);
  });

  test('maxLength is a true upper bound on a whole match', () => {
    for (const rule of rules) {
      const { maxLength } = analyzeRegex(rule.regex, rule.flags);
      assert.ok(Number.isFinite(maxLength) && maxLength <= rule.maxLength, `${rule.id}: can match ${maxLength} characters, maxLength says ${rule.maxLength}`);
    }
  });

  test('allowlist regexes are bounded too', () => {
    for (const source of detectors.allowlist.regexes) {
      assert.deepEqual(analyzeRegex(source).problems, [], source);
    }
  });

  for (const rule of rules) {
    test(`recheck: ${rule.id} is safe`, async () => {
      const diagnostics = await check(rule.regex, rule.flags ?? '', { checker: 'automaton', timeout: null });
      assert.equal(diagnostics.status, 'safe', JSON.stringify(diagnostics));
    });
  }

  test('recheck: allowlist regexes are safe', async () => {
    for (const source of detectors.allowlist.regexes) {
      const diagnostics = await check(source, '', { checker: 'automaton', timeout: null });
      assert.equal(diagnostics.status, 'safe', source);
    }
  });
});
