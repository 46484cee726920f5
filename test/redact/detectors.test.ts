import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import detectors from '../../src/redact/rules/detectors.json' with { type: 'json' };
import schema from '../../src/redact/rules/detectors.schema.json' with { type: 'json' };
import { createRedactor, SecretRegistry } from '../../src/redact/index.js';
import { hardNegatives, sampleRuleIds, samplesFor } from './fixtures/generate.js';
import { RuleMatcher, type RuleData } from './fixtures/reference-matcher.js';

const rules: readonly RuleData[] = detectors.rules;
const matchers = new Map(rules.map((rule) => [rule.id, new RuleMatcher(rule, detectors.allowlist)]));

function matcher(id: string): RuleMatcher {
  const found = matchers.get(id);
  assert.ok(found, `no rule ${id}`);
  return found;
}

const fold = (text: string): string => text.toLowerCase().replaceAll('-', '_');

describe('detectors.json: structure', () => {
  test('validates against detectors.schema.json', () => {
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    assert.equal(validate(detectors), true, JSON.stringify(validate.errors, null, 2));
  });

  test('rule ids are unique', () => {
    const ids = rules.map((rule) => rule.id);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  test('every regex compiles with its flags and the flags the engine adds (g, d)', () => {
    for (const rule of rules) {
      // eslint-disable-next-line security/detect-non-literal-regexp -- rules are validated data, checked linear by recheck in test/redact/linear.test.ts
      assert.doesNotThrow(() => new RegExp(rule.regex, `gd${rule.flags ?? ''}`), rule.id);
    }
  });

  test('only PII rules run without keywords, and keywords are lower-case', () => {
    for (const rule of rules) {
      if (rule.keywords.length === 0) assert.equal(rule.category, 'pii', `${rule.id} has no keywords`);
      for (const keyword of rule.keywords) assert.equal(keyword, keyword.toLowerCase(), rule.id);
    }
  });

  test('always-run regexes start with something selective, never with a wildcard', () => {
    for (const rule of rules.filter((r) => r.keywords.length === 0)) {
      assert.doesNotMatch(rule.regex, /^(?:\.\*|\.\+|\[\\s\\S\]|\[\^)/, rule.id);
    }
  });

  test('the allowlist holds the documented example keys', () => {
    assert.ok(detectors.allowlist.values.some((value) => value.startsWith('AKIA') && value.endsWith('EXAMPLE')));
    assert.ok(detectors.allowlist.values.some((value) => value.endsWith('EXAMPLEKEY')));
    for (const source of detectors.allowlist.regexes) {
      // eslint-disable-next-line security/detect-non-literal-regexp -- allowlist regexes are validated data, checked linear by recheck in test/redact/linear.test.ts
      assert.doesNotThrow(() => new RegExp(source));
    }
  });

  test('every rule has samples, and every sample set belongs to a rule', () => {
    const ids = new Set(rules.map((rule) => rule.id));
    const sampled = new Set(sampleRuleIds());
    assert.deepEqual([...ids].filter((id) => !sampled.has(id)), [], 'rules without samples');
    assert.deepEqual([...sampled].filter((id) => !ids.has(id)), [], 'samples for unknown rules');
  });
});

describe('detectors.json: each rule on its own samples', () => {
  for (const rule of rules) {
    test(rule.id, () => {
      const { positives, negatives, nearMisses } = samplesFor(rule.id);
      assert.ok(positives.length > 0, 'needs at least one true positive');
      assert.ok(negatives.length > 0, 'needs at least one near miss');
      const m = matcher(rule.id);
      for (const { text, secret } of positives) {
        const start = text.indexOf(secret);
        const findings = m.find(text);
        const exact = findings.find((finding) => finding.start === start && finding.end === start + secret.length);
        assert.ok(exact, `did not mask exactly the secret in ${JSON.stringify(text.slice(0, 300))}; found ${JSON.stringify(findings.map((f) => text.slice(f.start, f.end).slice(0, 80)))}`);
        assert.ok(exact.matchEnd - exact.matchStart <= rule.maxLength, 'match longer than maxLength');
        if (rule.keywords.length > 0) {
          const matched = fold(text.slice(exact.matchStart, exact.matchEnd));
          assert.ok(rule.keywords.some((keyword) => matched.includes(fold(keyword))), `no keyword inside the match ${JSON.stringify(matched.slice(0, 80))}`);
        }
      }
      for (const negative of [...negatives, ...nearMisses]) {
        const findings = m.find(negative);
        assert.deepEqual(
          findings.map((f) => negative.slice(f.start, f.end)),
          [],
          `flagged a near miss: ${JSON.stringify(negative.slice(0, 200))}`,
        );
      }
    });
  }
});

describe('detectors.json: hard negatives', () => {
  test('no rule flags UUIDs, hashes, base64 of random bytes, prose, numbers, placeholders or documented examples', () => {
    const problems: string[] = [];
    for (const text of hardNegatives()) {
      for (const rule of rules) {
        for (const finding of matcher(rule.id).find(text)) {
          problems.push(`${rule.id} flagged ${JSON.stringify(text.slice(finding.start, finding.end))} in ${JSON.stringify(text.slice(0, 120))}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("no rule flags any rule's neutral negatives", () => {
    const problems: string[] = [];
    for (const id of sampleRuleIds()) {
      for (const text of samplesFor(id).negatives) {
        for (const rule of rules) {
          for (const finding of matcher(rule.id).find(text)) problems.push(`${rule.id} flagged ${JSON.stringify(text.slice(finding.start, finding.end))} in a negative of ${id}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("a rule's positives for other rules are not flagged as PII by mistake", () => {
    // Secrets are high-entropy strings; none of them should look like a phone, card, IBAN or SSN.
    const pii = rules.filter((rule) => rule.category === 'pii' && rule.keywords.length === 0);
    const problems: string[] = [];
    for (const rule of rules.filter((r) => r.category === 'secret')) {
      for (const { secret } of samplesFor(rule.id).positives) {
        for (const p of pii) {
          for (const finding of matcher(p.id).find(secret)) problems.push(`${p.id} flagged ${JSON.stringify(secret.slice(finding.start, finding.end))} inside a ${rule.id} sample`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('detectors.json through the redaction engine', () => {
  const redactor = createRedactor({ pii: true, disabledRules: ['sensitive-key'], registry: new SecretRegistry() });

  test('every true positive is masked', () => {
    const missed: string[] = [];
    for (const rule of rules) {
      for (const { text, secret } of samplesFor(rule.id).positives) {
        if (redactor.redactString(text).text.includes(secret)) missed.push(`${rule.id}: ${JSON.stringify(text.slice(0, 120))}`);
      }
    }
    assert.deepEqual(missed, []);
  });

  test('hard negatives come out unchanged', () => {
    const changed: string[] = [];
    for (const text of hardNegatives()) {
      const result = redactor.redactString(text);
      if (result.findings.length > 0) changed.push(`${result.findings.map((f) => f.ruleId).join(',')}: ${JSON.stringify(text.slice(0, 120))}`);
    }
    assert.deepEqual(changed, []);
  });
});
