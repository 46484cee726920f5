import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRecord, canonicalJson, checkpointMessage, computeLineHash, generateSigner, parseRecord, verifyLines } from '../../src/audit/index.js';
import { sha256Hex } from '../../src/audit/record.js';

const fields = { seq: 1, time: '2025-01-01T00:00:00.000Z', type: 'tool.call', actor: 'alice', subject: 'fs.read', decision: 'allow' as const, rule: 'r', data: { b: 1, a: [1, { d: 2, c: 3 }] }, prev: null };

test('canonical JSON sorts keys at every level, has no whitespace and normalizes non-JSON values', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } }), '{"a":{"c":"x","d":[1,2]},"b":1}');
  assert.equal(canonicalJson({ big: 10n, when: new Date(0), nan: Number.NaN, gone: undefined, set: new Set([1]), map: new Map([['k', 1]]) }), '{"big":"10","map":{"k":1},"nan":null,"set":[1],"when":"1970-01-01T00:00:00.000Z"}');
});

test('a record line is its canonical JSON, and its hash is the SHA-256 of the record without the hash member', () => {
  const { hash, line } = buildRecord(fields);
  assert.ok(line.endsWith('\n'));
  const parsed = parseRecord(line.slice(0, -1));
  assert.ok(typeof parsed !== 'string');
  assert.equal(parsed.hash, hash);
  const { hash: _hash, ...rest } = parsed;
  assert.equal(canonicalJson(parsed), line.slice(0, -1));
  assert.equal(sha256Hex(canonicalJson(rest)), hash);
  assert.deepEqual(computeLineHash(line.slice(0, -1)), { stored: hash, computed: hash });
});

test('a nested "hash" key in data does not confuse the hash member lookup', () => {
  const { hash, line } = buildRecord({ ...fields, data: { hash: 'x', inner: { hash: 'y' } } });
  assert.deepEqual(computeLineHash(line.slice(0, -1)), { stored: hash, computed: hash });
});

test('parseRecord names what is wrong with a line', () => {
  assert.equal(parseRecord('{"a":'), 'is not valid JSON');
  assert.equal(parseRecord('[]'), 'is not a JSON object');
  assert.equal(parseRecord('{"seq":1}'), 'does not have exactly the ten record fields');
});

test('verifyLines: a chain of records with a signed closing checkpoint verifies; a tampered signature does not', () => {
  const signer = generateSigner();
  const key = buildRecord({ ...fields, type: 'audit.key', data: { publicKey: signer.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') } });
  const second = buildRecord({ ...fields, seq: 2, prev: key.hash });
  const message = checkpointMessage({ seq: 3, time: fields.time, prev: second.hash, count: 2, final: true });
  const good = buildRecord({ ...fields, seq: 3, prev: second.hash, type: 'audit.checkpoint', data: { count: 2, final: true, signature: signer.sign(message).toString('base64') } });
  const bad = buildRecord({ ...fields, seq: 3, prev: second.hash, type: 'audit.checkpoint', data: { count: 2, final: true, signature: generateSigner().sign(message).toString('base64') } });
  const lines = (last: string): { text: string; ref: { file: string; line: number } }[] => [key.line, second.line, last].map((text, index) => ({ text: text.slice(0, -1), ref: { file: 'mem', line: index + 1 } }));
  const ok = verifyLines(lines(good.line));
  assert.equal(ok.ok, true, JSON.stringify(ok.problem));
  assert.equal(ok.checkpoints, 1);
  const failed = verifyLines(lines(bad.line));
  assert.equal(failed.problem?.kind, 'bad signature');
  assert.equal(failed.problem.seq, 3);
});
