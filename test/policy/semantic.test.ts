import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulwarkError } from '../../src/errors/index.js';
import { hostEntryProblem, isLoopbackHost, validatePolicyText, type PolicyProblem } from '../../src/policy/index.js';

function problemsOf(document: unknown): PolicyProblem[] {
  try {
    validatePolicyText(JSON.stringify(document), 'p.json');
  } catch (error) {
    assert.ok(error instanceof BulwarkError);
    assert.equal(error.code, 'BWK_POLICY_INVALID');
    return error.details.problems as PolicyProblem[];
  }
  return [];
}

function messages(document: unknown): string[] {
  return problemsOf(document).map((problem) => `${problem.path}: ${problem.message}`);
}

void test('CORS "*" and "null" are refused with a reason; exact origins pass', () => {
  assert.deepEqual(messages({ gateway: { cors: { origins: ['*'] } } }), ['/gateway/cors/origins/0: "*" would let any web page call the gateway with the user\'s credentials']);
  assert.match(messages({ gateway: { cors: { origins: ['null'] } } })[0] ?? '', /sandboxed frames/);
  assert.match(messages({ gateway: { cors: { origins: ['https://*.example.com'] } } })[0] ?? '', /wildcards/);
  assert.match(messages({ gateway: { cors: { origins: ['https://app.example.com/'] } } })[0] ?? '', /no path/);
  assert.match(messages({ gateway: { cors: { origins: ['http://app.example.com'] } } })[0] ?? '', /plain http/);
  assert.deepEqual(messages({ gateway: { cors: { origins: ['https://app.example.com', 'http://localhost:5173', 'https://a.example.com:8443'] } } }), []);
});

void test('plain HTTP needs the explicit switch and a loopback address', () => {
  assert.match(messages({ gateway: { tls: { enabled: false } } })[0] ?? '', /allowPlainHttpOnLoopback is false/);
  assert.deepEqual(messages({ gateway: { tls: { enabled: false }, allowPlainHttpOnLoopback: true } }), []);
  assert.match(messages({ gateway: { tls: { enabled: false }, allowPlainHttpOnLoopback: true, listen: { host: '0.0.0.0' } } })[0] ?? '', /not a loopback address/);
});

void test('certFile and keyFile go together', () => {
  assert.deepEqual(messages({ gateway: { tls: { certFile: '/etc/c.pem' } } }), ['/gateway/tls/keyFile: is null while certFile is set']);
});

void test('authentication may be optional only on loopback', () => {
  assert.deepEqual(messages({ gateway: { auth: { required: false } } }), []);
  assert.match(messages({ gateway: { auth: { required: false }, listen: { host: '192.168.1.10' } } })[0] ?? '', /cannot be optional/);
});

void test('oauth mode needs issuer, audience and an https JWKS URL', () => {
  assert.deepEqual(
    problemsOf({ gateway: { auth: { mode: 'oauth' } } }).map((problem) => problem.path),
    ['/gateway/auth/oauth/audience', '/gateway/auth/oauth/issuer', '/gateway/auth/oauth/jwksUrl'],
  );
  assert.deepEqual(
    messages({ gateway: { auth: { mode: 'both', oauth: { issuer: 'https://id.example.com', audience: 'bulwark', jwksUrl: 'http://id.example.com/jwks' } } } }),
    ['/gateway/auth/oauth/jwksUrl: must be an https:// URL'],
  );
});

void test('an authorization rule must name a caller', () => {
  assert.match(messages({ gateway: { authorization: { rules: [{ tools: ['*'], effect: 'allow' }] } } })[0] ?? '', /^\/gateway\/authorization\/rules\/0: matches no caller/);
  assert.deepEqual(messages({ gateway: { authorization: { rules: [{ principals: ['*'], tools: ['github__*'], effect: 'allow' }] } } }), []);
});

void test('a shell needs allowShell, and a command cannot be both allowed and blocked', () => {
  assert.match(messages({ execution: { allowedCommands: ['/usr/bin/zsh'], blockedCommands: [] } })[0] ?? '', /is a shell, and allowShell is false/);
  assert.deepEqual(messages({ execution: { allowedCommands: ['zsh'], blockedCommands: [], allowShell: true } }), []);
  assert.match(messages({ execution: { allowedCommands: ['sudo'] } })[0] ?? '', /also in blockedCommands/);
});

void test('allowed hosts: host, host:port, *.domain; not URLs, bare * or whole TLDs', () => {
  for (const ok of ['api.example.com', 'api.example.com:8443', '*.githubusercontent.com', '*.example.com:443', '10.0.0.1', '[2001:db8::1]:443']) {
    assert.equal(hostEntryProblem(ok), undefined, ok);
  }
  for (const [bad, reason] of [
    ['https://api.example.com', /URL/],
    ['*', /every host/],
    ['*.com', /top-level domain/],
    ['api.*.com', /whole first label/],
    ['api.example.com:0', /port/],
    ['api.example.com:70000', /port/],
    ['2001:db8::1', /brackets/],
    ['bad_host!', /not a valid host name/],
  ] as const) {
    assert.match(hostEntryProblem(bad) ?? '', reason, bad);
  }
  assert.deepEqual(problemsOf({ network: { allowedHosts: ['ok.example.com', '*'] } }).map((problem) => problem.path), ['/network/allowedHosts/1']);
});

void test('audit sinks leave the machine only over TLS', () => {
  assert.deepEqual(messages({ audit: { sinks: [{ url: 'https://logs.example.com/in' }, { url: 'file:///var/log/bulwark.jsonl' }, { url: 'http://127.0.0.1:9000/' }] } }), []);
  assert.equal(problemsOf({ audit: { sinks: [{ url: 'http://logs.example.com/in' }] } })[0]?.path, '/audit/sinks/0/url');
});

void test('sandbox level standard needs allowWeaker', () => {
  assert.match(messages({ sandbox: { level: 'standard' } })[0] ?? '', /allowWeaker/);
  assert.deepEqual(messages({ sandbox: { level: 'standard', allowWeaker: true } }), []);
});

void test('semantic checks are skipped for a section that already failed the schema', () => {
  // cors "*" would be a semantic problem, but the section has a schema problem: only that is reported.
  assert.deepEqual(problemsOf({ gateway: { cors: { origins: ['*'] }, listen: { port: -1 } } }).map((problem) => problem.path), ['/gateway/listen/port']);
});

void test('loopback detection', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '128.0.0.1', '127.0.0.256', 'localhost.example.com', '::']) assert.equal(isLoopbackHost(host), false, host);
});
