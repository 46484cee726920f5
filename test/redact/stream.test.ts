import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { test } from 'node:test';
import { createRedactor, MASK, SecretRegistry, type StreamFinding } from '../../src/redact/index.js';
import { cleanText, denseText } from '../../bench/corpus.js';
import { denseSecrets } from '../../bench/secrets.js';

async function redactStream(input: string, options: { jobs?: number; batchSize?: number; chunk?: number; registry?: SecretRegistry }): Promise<{ text: string; findings: StreamFinding[] }> {
  const findings: StreamFinding[] = [];
  const redactor = createRedactor({ registry: options.registry ?? new SecretRegistry() });
  const stream = redactor.createStream({ jobs: options.jobs, batchSize: options.batchSize, onFinding: (finding) => findings.push(finding) });
  const chunk = options.chunk ?? 65536;
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(input);
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  return { text: await readText(Readable.from(chunks).pipe(stream)), findings };
}

// Built-in rules on realistic text: one secret per ~200 bytes, in every supported format.
const input = denseText(300_000, denseSecrets(), 200, 9);

test('streamed output equals whole-text redaction, whatever the batch and chunk sizes', async () => {
  const redactor = createRedactor({ registry: new SecretRegistry() });
  const expected = redactor.redactString(input);
  assert.ok(expected.findings.length > 500, `${expected.findings.length} findings`);
  for (const [batchSize, chunk] of [[1024, 999], [4096, 65536], [262144, 7]] as const) {
    const streamed = await redactStream(input, { batchSize, chunk });
    assert.equal(streamed.text, expected.text, `batch ${batchSize}, chunk ${chunk}`);
    assert.equal(streamed.findings.length, expected.findings.length);
  }
});

test('worker threads give the same output, findings and positions as one thread', async () => {
  const one = await redactStream(input, { batchSize: 8192 });
  const two = await redactStream(input, { batchSize: 8192, jobs: 2 });
  assert.equal(two.text, one.text);
  assert.deepEqual(two.findings, one.findings);
  assert.ok(one.text.includes(MASK));
});

test('workers know the registered secrets; a secret crossing a batch boundary is masked whole', async () => {
  const registry = new SecretRegistry();
  const secret = 'wOrker-Registered-Value-7';
  registry.register(secret, 'test:worker');
  const filler = cleanText(20_000, 4);
  const text = `${filler.slice(0, 4090)}${secret}${filler.slice(4090)}`;
  for (const jobs of [1, 2]) {
    const result = await redactStream(text, { registry, jobs, batchSize: 4096 });
    assert.equal(result.text.includes(secret), false, `jobs ${jobs}`);
    assert.equal(result.text, text.replace(secret, MASK));
    assert.deepEqual(result.findings.map((finding) => finding.ruleId), ['test:worker']);
  }
});

test('a mask that runs past a batch end swallows the start of the next batch', async () => {
  const block = ['-----BEGIN RSA PRIVATE KEY-----', ...Array.from({ length: 30 }, (_, i) => `${'QUJD'.repeat(15)}${String(i).padStart(4, '0')}`), '-----END RSA PRIVATE KEY-----'].join('\n');
  const text = `head\n${block}\ntail\n`;
  const expected = createRedactor({ registry: new SecretRegistry() }).redactString(text).text;
  assert.equal(expected, `head\n${MASK}\ntail\n`);
  for (const batchSize of [1024, 1500, 2048]) {
    assert.equal((await redactStream(text, { batchSize })).text, expected, `batch ${batchSize}`);
    assert.equal((await redactStream(text, { batchSize, jobs: 2 })).text, expected, `batch ${batchSize}, 2 jobs`);
  }
});
