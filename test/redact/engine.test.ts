import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { test } from 'node:test';
import { createRedactor, MASK, SecretRegistry, type DetectorFile } from '../../src/redact/index.js';

/** Rules written for these tests, so the engine is tested apart from the built-in rule set. */
const TEST_RULES: DetectorFile = {
  version: 1,
  allowlist: { values: ['tok_documented'] },
  rules: [
    { id: 'test-token', description: 'test token', category: 'secret', keywords: ['tok_'], regex: '\\btok_[a-z0-9]{10}\\b', maxLength: 14 },
    { id: 'test-assign', description: 'assignment', category: 'secret', keywords: ['pw'], regex: 'pw=([A-Za-z0-9]{4,20})', secretGroup: 1, entropy: 2, stopwords: ['example'], maxLength: 23 },
    { id: 'test-card', description: 'card', category: 'pii', keywords: [], regex: '\\b\\d{13,16}\\b', validator: 'luhn', maxLength: 16 },
    { id: 'test-block', description: 'multi-line block', category: 'secret', keywords: ['-----begin blob'], regex: '-----BEGIN BLOB-----[\\s\\S]{1,200}?-----END BLOB-----', maxLength: 240 },
  ],
};

function redactor(options: { pii?: boolean; registry?: SecretRegistry } = {}) {
  return createRedactor({ detectors: [TEST_RULES], pii: options.pii ?? true, registry: options.registry ?? new SecretRegistry() });
}

test('masks a keyword-triggered match and reports rule and offsets, never the secret', () => {
  const input = 'a tok_abcdef1234 b';
  const result = redactor().redactString(input);
  assert.equal(result.text, `a ${MASK} b`);
  assert.deepEqual(result.findings, [{ ruleId: 'test-token', start: 2, end: 16 }]);
  assert.equal(JSON.stringify(result.findings).includes('abcdef1234'), false);
});

test('keywords are case-insensitive; boundaries hold at window edges', () => {
  const r = redactor();
  assert.equal(r.redactString('TOK_abcdef1234').text, 'TOK_abcdef1234', 'the regex itself is case-sensitive');
  assert.equal(r.redactString('xtok_abcdef1234').text, 'xtok_abcdef1234', '\\b before tok_ is respected');
  const long = `${'z'.repeat(100)}tok_abcdef1234`;
  assert.equal(r.redactString(long).text, long, 'no false boundary where the window starts mid-word');
});

test('secret group, entropy, stopwords and the allowlist', () => {
  const r = redactor();
  assert.equal(r.redactString('pw=Zq8xLm2P').text, `pw=${MASK}`);
  assert.equal(r.redactString('pw=aaaaaaaa').text, 'pw=aaaaaaaa', 'below the entropy threshold');
  assert.equal(r.redactString('pw=myExample1').text, 'pw=myExample1', 'stopword');
  assert.equal(r.redactString('tok_documented').text, 'tok_documented', 'allowlisted value');
});

test('validators reject look-alikes; PII rules follow the pii switch', () => {
  assert.equal(redactor().redactString('card 4111111111111111 end').text, `card ${MASK} end`);
  assert.equal(redactor().redactString('card 4111111111111112 end').text, 'card 4111111111111112 end', 'fails Luhn');
  assert.equal(redactor({ pii: false }).redactString('card 4111111111111111 end').text, 'card 4111111111111111 end');
});

test('sensitive keys in text: KEY=value, key: value at line start, "key": "value"', () => {
  const r = redactor();
  assert.equal(r.redactString('API_KEY=hunter2 next').text, `API_KEY=${MASK} next`);
  assert.equal(r.redactString('export DB_PASSWORD="s p a c e"').text, `export DB_PASSWORD="${MASK}"`);
  assert.equal(r.redactString('Authorization: Bearer abc.def').text, `Authorization: Bearer ${MASK}`);
  assert.equal(r.redactString('{"client_secret": "xyz123", "name": "n"}').text, `{"client_secret": "${MASK}", "name": "n"}`);
  assert.equal(r.redactString('Cookie: a=1; b=2').text, `Cookie: ${MASK}`);
  assert.equal(r.redactString('Please choose a password: it must be long').text, 'Please choose a password: it must be long', 'prose is not a credential');
  assert.equal(r.redactString('token = process.env.TOKEN').text, 'token = process.env.TOKEN', 'a reference is not a value');
  assert.equal(r.redactString('if (password == other)').text, 'if (password == other)');
  assert.equal(r.redactString('tokens.map(token => token.value)').text, 'tokens.map(token => token.value)');
  assert.equal(r.redactString('const token = await getToken();').text, 'const token = await getToken();');
  assert.equal(r.redactString('password: string;').text, 'password: string;');
  assert.equal(r.redactString('DB_PASSWORD=/run/secrets/db_password').text, 'DB_PASSWORD=/run/secrets/db_password');
  assert.equal(r.redactString('API_KEY=your_api_key_here').text, 'API_KEY=your_api_key_here');
  assert.equal(r.redactString('API_KEY_HEADER="x-api-key"').text, 'API_KEY_HEADER="x-api-key"', 'a non-secret key name');
  assert.equal(r.redactString('authorization: basic auth is not supported').text, 'authorization: basic auth is not supported');
  for (const code of ['secretGroup: rule.secretGroup ?? 0,', 'secret = value;', '"secretlint": "11.7.1",', '"secretGroup": 1,', "redactString('token=ghp_...')"]) {
    assert.equal(r.redactString(code).text, code, code);
  }
  assert.equal(r.redactString('password = hunter2').text, `password = ${MASK}`, 'an INI assignment is still a credential');
  assert.equal(r.redactString('"pin": "4821"').text, `"pin": "4821"`, 'pin is not a sensitive key by default');
  assert.equal(r.redactString('"password": "4821"').text, `"password": "${MASK}"`);
});

test('registered secrets are masked raw and encoded', () => {
  const registry = new SecretRegistry();
  registry.register('S3cret-Value!42', 'vault:DB');
  const r = redactor({ registry });
  const secret = 'S3cret-Value!42';
  const encodings = [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(`user:${secret}`).toString('base64'),
    Buffer.from(`ab${secret}`).toString('base64url'),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('hex'),
    Buffer.from(secret).toString('hex').toUpperCase(),
  ];
  for (const encoded of encodings) {
    const result = r.redactString(`before ${encoded} after`);
    assert.ok(result.text.includes(MASK), `masked: ${encoded}`);
    assert.ok(result.findings.every((finding) => finding.ruleId.startsWith('vault:DB')));
    assert.equal(result.text.includes(secret), false);
  }
  registry.unregister(secret);
  assert.equal(r.redactString(`x ${secret} y`).text, `x ${secret} y`, 'the matcher follows the registry');
});

test('overlapping findings are merged into one mask', () => {
  const registry = new SecretRegistry();
  registry.register('tok_abcdef1234');
  const result = redactor({ registry }).redactString('x tok_abcdef1234 y');
  assert.equal(result.text, `x ${MASK} y`);
  assert.equal(result.findings.length, 1);
});

test('deep objects: keys, nested values, cycles, Maps, Sets, Buffers, errors with causes', () => {
  const r = redactor();
  const cyclic: Record<string, unknown> = { name: 'n', note: 'has tok_abcdef1234 inside' };
  cyclic.self = cyclic;
  const error = new Error('failed with tok_abcdef1234', { cause: new Error('because pw=Zq8xLm2P') });
  const input = {
    headers: { authorization: 'Bearer anything', 'x-trace': 'ok' },
    password: { nested: 'whole object masked' },
    list: ['tok_abcdef1234', 1, null],
    map: new Map<string, unknown>([['api_key', 'v'], ['plain', 'tok_abcdef1234']]),
    set: new Set(['tok_abcdef1234']),
    buffer: Buffer.from('raw tok_abcdef1234'),
    cyclic,
    error,
  };
  const { value, findings } = r.redactValue(input);
  const out = value as Record<string, Record<string, unknown>>;
  assert.deepEqual(out.headers, { authorization: MASK, 'x-trace': 'ok' });
  assert.equal(out.password, MASK);
  assert.deepEqual(out.list, [MASK, 1, null]);
  assert.deepEqual([...(out.map as unknown as Map<string, string>)], [['api_key', MASK], ['plain', MASK]]);
  assert.deepEqual([...(out.set as unknown as Set<string>)], [MASK]);
  assert.equal(out.buffer, `raw ${MASK}`);
  assert.equal(out.cyclic?.self, '[Circular]');
  assert.equal(out.error?.message, `failed with ${MASK}`);
  const redactedError = out.error as { stack: string; cause: { message: string } };
  assert.ok(redactedError.stack.includes(`failed with ${MASK}`));
  assert.equal(redactedError.cause.message, `because pw=${MASK}`);
  const serialized = JSON.stringify(value);
  for (const secret of ['abcdef1234', 'Zq8xLm2P', 'Bearer anything', 'whole object masked']) assert.equal(serialized.includes(secret), false, secret);
  assert.ok(findings.some((finding) => finding.path === '/headers/authorization'));
  assert.ok(findings.some((finding) => finding.path === '/error/cause/message'));
  assert.equal(input.headers.authorization, 'Bearer anything', 'the input is not modified');
});

test('a __proto__ key stays data', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
  const { value } = redactor().redactValue(parsed);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value as object), ['__proto__', 'a']);
});

async function streamRedact(chunks: readonly string[], registry?: SecretRegistry): Promise<{ text: string; findings: number }> {
  let findings = 0;
  const stream = redactor({ registry }).createStream({ onFinding: () => findings++ });
  const text = await readText(Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(stream));
  return { text, findings };
}

test('a secret split across two chunks at every position is still masked', async () => {
  const input = 'head tok_abcdef1234 mid\n-----BEGIN BLOB-----\nline\n-----END BLOB-----\ntail ✓ done';
  const expected = redactor().redactString(input).text;
  assert.ok(expected.includes(MASK));
  for (let split = 0; split <= input.length; split++) {
    const result = await streamRedact([input.slice(0, split), input.slice(split)]);
    assert.equal(result.text, expected, `split at ${split}`);
    assert.equal(result.findings, 2);
  }
});

test('multi-byte characters split across chunks survive', async () => {
  const bytes = Buffer.from('é✓😀 tok_abcdef1234');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  const stream = redactor().createStream();
  const text = await readText(Readable.from(chunks).pipe(stream));
  assert.equal(text, `é✓😀 ${MASK}`);
});

test('a long stream keeps line numbers for findings and masks across many chunk boundaries', async () => {
  const line = 'lorem ipsum dolor sit amet tok_abcdef1234 consectetur\n';
  const input = line.repeat(20_000);
  const chunks: string[] = [];
  for (let i = 0; i < input.length; i += 4093) chunks.push(input.slice(i, i + 4093));
  const positions: [number, number][] = [];
  const stream = redactor().createStream({ onFinding: (finding) => positions.push([finding.line, finding.column]) });
  const text = await readText(Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(stream));
  assert.equal(text, line.replace('tok_abcdef1234', MASK).repeat(20_000));
  assert.equal(positions.length, 20_000);
  assert.deepEqual(positions[0], [1, 28]);
  assert.deepEqual(positions[19_999], [20_000, 28]);
});
