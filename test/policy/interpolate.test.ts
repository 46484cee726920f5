import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulwarkError } from '../../src/errors/index.js';
import { envFields, validatePolicyText, type PolicyProblem } from '../../src/policy/index.js';

function refused(text: string, env: Record<string, string>): BulwarkError {
  try {
    validatePolicyText(text, 'p.json', env);
  } catch (error) {
    assert.ok(error instanceof BulwarkError);
    return error;
  }
  assert.fail('expected the policy to be refused');
}

function problems(error: BulwarkError): PolicyProblem[] {
  return error.details.problems as PolicyProblem[];
}

void test('${VAR} is expanded in x-env fields, and the source names the variable', () => {
  const { policy, sources } = validatePolicyText(
    '{"gateway":{"tls":{"certFile":"${CERT_DIR}/gateway.pem","keyFile":"${CERT_DIR}/${KEY_NAME}"}}}',
    'p.json',
    { CERT_DIR: '/etc/bulwark', KEY_NAME: 'gateway.key' },
  );
  assert.equal(policy.gateway.tls.certFile, '/etc/bulwark/gateway.pem');
  assert.equal(policy.gateway.tls.keyFile, '/etc/bulwark/gateway.key');
  assert.deepEqual(sources.get('/gateway/tls/certFile'), { kind: 'env', variable: 'CERT_DIR', file: 'p.json' });
  assert.deepEqual(sources.get('/gateway/tls/keyFile'), { kind: 'env', variable: 'CERT_DIR,KEY_NAME', file: 'p.json' });
});

void test('expansion works inside arrays of objects (audit sinks)', () => {
  const { policy } = validatePolicyText('{"audit":{"sinks":[{"url":"https://logs.example.com/?t=${TOKEN}"}]}}', 'p.json', { TOKEN: 'abc123' });
  assert.equal(policy.audit.sinks[0]?.url, 'https://logs.example.com/?t=abc123');
});

void test('${VAR} in a field without x-env is refused, naming the path and the fields that allow it', () => {
  const error = refused('{"network":{"allowedHosts":["${HOST}"]}}', { HOST: 'example.com' });
  assert.equal(error.code, 'BWK_POLICY_ENV_NOT_ALLOWED');
  const problem = problems(error)[0];
  assert.ok(problem);
  assert.equal(problem.path, '/network/allowedHosts/0');
  assert.equal(problem.message, '${HOST} is not expanded in this field');
  for (const field of ['/gateway/tls/certFile', '/gateway/auth/oauth/jwksUrl', '/audit/sinks/*/url', '/rag/store/url']) {
    assert.ok(problem.fix.includes(field), `fix should list ${field}`);
    assert.ok(envFields().includes(field));
  }
  assert.equal(error.exitCode, 2);
});

void test('an unset or empty variable is refused, naming the variable but never a value', () => {
  const error = refused('{"gateway":{"auth":{"oauth":{"jwksUrl":"${JWKS_URL}"}}}}', { OTHER: 'x' });
  assert.equal(error.code, 'BWK_POLICY_ENV_MISSING');
  assert.equal(problems(error)[0]?.path, '/gateway/auth/oauth/jwksUrl');
  assert.match(error.message, /environment variable JWKS_URL is not set/);
  assert.equal(refused('{"rag":{"store":{"url":"${DB}"}}}', { DB: '' }).code, 'BWK_POLICY_ENV_MISSING');
});

void test('$${ is a literal ${ everywhere, and is not expanded', () => {
  const { policy, sources } = validatePolicyText(
    '{"audit":{"stateDir":"/srv/$${NOT_A_VAR}"},"gateway":{"authorization":{"rules":[{"principals":["*"],"tools":["*"],"effect":"deny","description":"costs $${5}"}]}}}',
    'p.json',
    { NOT_A_VAR: 'nope' },
  );
  assert.equal(policy.audit.stateDir, '/srv/${NOT_A_VAR}');
  assert.equal(policy.gateway.authorization.rules[0]?.description, 'costs ${5}');
  assert.deepEqual(sources.get('/audit/stateDir'), { kind: 'file', file: 'p.json' });
});

void test('malformed references are refused', () => {
  for (const value of ['${}', '${1X}', '${A-B}', '${UNCLOSED', '${A:-default}']) {
    const error = refused(JSON.stringify({ secrets: { vaultPath: value } }), { A: 'a' });
    assert.equal(error.code, 'BWK_POLICY_INVALID', value);
    assert.match(error.message, /malformed/);
  }
});

void test('environment values never appear in error messages', () => {
  // Expanded into a field that then fails a semantic check: the message must not quote the value.
  const error = refused('{"audit":{"sinks":[{"url":"${SINK}"}]}}', { SINK: 'http://hunter2-secret@logs.example.com/' });
  assert.equal(error.code, 'BWK_POLICY_INVALID');
  assert.doesNotMatch(JSON.stringify(error.toJSON()), /hunter2/);
  assert.match(error.message, /\/audit\/sinks\/0\/url: must be an https:\/\/ or file:\/\/ URL/);
});

void test('mixed problem kinds give BWK_POLICY_INVALID listing all of them', () => {
  const error = refused('{"network":{"allowedHosts":["${A}"]},"gateway":{"tls":{"certFile":"${MISSING}"}},"log":{"level":"x"}}', { A: 'a' });
  assert.equal(error.code, 'BWK_POLICY_INVALID');
  assert.deepEqual(
    problems(error).map((problem) => [problem.path, problem.code]),
    [
      ['/gateway/tls/certFile', 'BWK_POLICY_ENV_MISSING'],
      ['/log/level', 'BWK_POLICY_INVALID'],
      ['/network/allowedHosts/0', 'BWK_POLICY_ENV_NOT_ALLOWED'],
    ],
  );
});
