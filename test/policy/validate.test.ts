import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulwarkError } from '../../src/errors/index.js';
import { didYouMean, editDistance, validatePolicyText, type PolicyProblem } from '../../src/policy/index.js';

/** Runs validation expecting failure; returns the error and its problems. */
function problemsOf(text: string, env: Record<string, string> = {}): { error: BulwarkError; problems: PolicyProblem[] } {
  try {
    validatePolicyText(text, 'bulwark.config.json', env);
  } catch (error) {
    assert.ok(error instanceof BulwarkError, String(error));
    return { error, problems: error.details.problems as PolicyProblem[] };
  }
  assert.fail('expected the policy to be refused');
}

function only(problems: PolicyProblem[], path: string): PolicyProblem {
  const matching = problems.filter((problem) => problem.path === path);
  assert.equal(matching.length, 1, `expected one problem at ${path}, got ${JSON.stringify(problems)}`);
  return matching[0]!;
}

void test('an unknown key deep in the tree is reported at its path with a did-you-mean', () => {
  const { error, problems } = problemsOf('{"gateway":{"cors":{"orgins":["https://a.example.com"]}}}');
  assert.equal(error.code, 'BWK_POLICY_INVALID');
  const problem = only(problems, '/gateway/cors/orgins');
  assert.equal(problem.message, 'unknown key "orgins" (did you mean "origins"?)');
  assert.equal(problem.suggestion, 'origins');
  assert.match(problem.fix, /rename it to "origins"/);
  assert.match(error.message, /^bulwark\.config\.json has 1 problem:\n {2}\/gateway\/cors\/orgins: unknown key "orgins" \(did you mean "origins"\?\)$/);
});

void test('an unknown key without a close match lists the allowed keys', () => {
  const { problems } = problemsOf('{"sandbox":{"zzzzzz":1}}');
  const problem = only(problems, '/sandbox/zzzzzz');
  assert.equal(problem.message, 'unknown key "zzzzzz"');
  assert.equal(problem.suggestion, undefined);
  assert.match(problem.fix, /level, allowWeaker, defaultLimits/);
});

void test('unknown top-level sections and swapped letters are caught', () => {
  const { problems } = problemsOf('{"sandbx":{},"sandbox":{"levle":"strict"}}');
  assert.equal(only(problems, '/sandbx').suggestion, 'sandbox');
  assert.equal(only(problems, '/sandbox/levle').suggestion, 'level');
});

void test('a wrong type names the path, the expected and the actual type, and the default', () => {
  const { problems } = problemsOf('{"gateway":{"listen":{"port":"8443"}}}');
  const problem = only(problems, '/gateway/listen/port');
  assert.equal(problem.message, 'must be an integer, not a string');
  assert.match(problem.fix, /default, 8443/);
});

void test('no type coercion: "true" is not a boolean and 1.5 is not an integer', () => {
  const { problems } = problemsOf('{"execution":{"allowShell":"false"},"rag":{"maxResults":1.5}}');
  assert.equal(only(problems, '/execution/allowShell').message, 'must be a boolean, not a string');
  assert.equal(only(problems, '/rag/maxResults').message, 'must be an integer, not a fractional number');
});

void test('an enum value gets a did-you-mean, also through a $ref', () => {
  const { problems } = problemsOf('{"log":{"level":"warning"},"network":{"minTlsVersion":"tlsv1.3"},"sandbox":{"level":"Strict"}}');
  assert.equal(only(problems, '/log/level').message, '"warning" is not one of "trace", "debug", "info", "warn", "error", "fatal", "silent" (did you mean "warn"?)');
  assert.equal(only(problems, '/network/minTlsVersion').suggestion, 'TLSv1.3');
  assert.equal(only(problems, '/sandbox/level').suggestion, 'strict');
});

void test('anyOf errors are folded into one readable problem', () => {
  const { problems } = problemsOf('{"audit":{"fsync":"sometimes"}}');
  assert.equal(problems.length, 1);
  assert.equal(only(problems, '/audit/fsync').message, 'must be "always" or an integer from 1 to 60000');
  assert.doesNotThrow(() => validatePolicyText('{"audit":{"fsync":250}}', 'f'));
});

void test('const fields, ranges and required item fields', () => {
  const { problems } = problemsOf('{"version":2,"redaction":{"mask":"***","minRegisteredSecretLength":2},"gateway":{"authorization":{"rules":[{"principals":["a"]}]}}}');
  assert.equal(only(problems, '/version').message, 'must be 1');
  assert.equal(only(problems, '/redaction/mask').message, 'must be "*****"');
  assert.equal(only(problems, '/redaction/minRegisteredSecretLength').message, 'must be at least 4');
  assert.equal(only(problems, '/gateway/authorization/rules/0/tools').message, 'is required here');
  assert.equal(only(problems, '/gateway/authorization/rules/0/effect').message, 'is required here');
});

void test('every problem is listed, one per line, and details carry them all', () => {
  const { error, problems } = problemsOf('{"log":{"level":"loud"},"scan":{"history":"yes"},"extra":true}');
  assert.equal(problems.length, 3);
  const lines = error.message.split('\n');
  assert.equal(lines[0], 'bulwark.config.json has 3 problems:');
  assert.deepEqual(lines.slice(1).map((line) => line.trim().split(':')[0]), ['/extra', '/log/level', '/scan/history']);
  assert.equal(error.exitCode, 2);
  for (const problem of problems) assert.ok(problem.fix.length > 0);
});

void test('the root must be an object', () => {
  const { problems } = problemsOf('[]');
  assert.equal(only(problems, '').message, 'must be an object, not an array');
  assert.match(problemsOf('[]').error.message, /\n {2}\/: must be an object/);
});

void test('JSON syntax errors carry line and column', () => {
  const cases: [string, number, number, RegExp][] = [
    ['{\n  "log": { "level": "info", }\n}', 2, 29, /trailing comma/],
    ['{\n  // note\n  "version": 1\n}', 2, 3, /comments are not allowed/],
    ["{'version': 1}", 1, 2, /double quotes/],
    ['{"version": 1', 1, 14, /expected ',' or '}'/],
    ['', 1, 1, /empty/],
    ['{"a":1} x', 1, 9, /after the end/],
  ];
  for (const [text, line, column, pattern] of cases) {
    assert.throws(
      () => validatePolicyText(text, 'p.json'),
      (error: unknown) => {
        assert.ok(error instanceof BulwarkError);
        assert.equal(error.code, 'BWK_POLICY_PARSE');
        assert.deepEqual([error.details.line, error.details.column], [line, column], text);
        assert.ok(error.message.startsWith(`p.json:${line}:${column}: `), error.message);
        assert.match(error.message, pattern);
        return true;
      },
    );
  }
});

void test('duplicate keys are refused instead of the last one silently winning', () => {
  assert.throws(() => validatePolicyText('{"execution":{"allowShell":false,\n"allowShell":true}}', 'p.json'), (error: unknown) => {
    assert.ok(error instanceof BulwarkError);
    assert.equal(error.code, 'BWK_POLICY_PARSE');
    assert.match(error.message, /p\.json:2:1: duplicate key "allowShell"/);
    return true;
  });
});

void test('a __proto__ key is data, refused as unknown, and pollutes nothing', () => {
  const { problems } = problemsOf('{"__proto__":{"polluted":true},"gateway":{"__proto__":{"x":1}}}');
  assert.ok(problems.some((problem) => problem.path === '/__proto__'));
  assert.ok(problems.some((problem) => problem.path === '/gateway/__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

void test('a byte-order mark is accepted', () => {
  assert.doesNotThrow(() => validatePolicyText('\uFEFF{}', 'bom.json'));
});

void test('edit distance counts a swap of neighbours as one edit; did-you-mean ignores case', () => {
  assert.equal(editDistance('levle', 'level'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(didYouMean('ORIGINS', ['origins', 'other']), 'origins');
  assert.equal(didYouMean('x', ['origins']), undefined);
  assert.equal(didYouMean('allowedHost', ['allowedHosts', 'minTlsVersion']), 'allowedHosts');
});
