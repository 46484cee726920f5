import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulwarkError, formatError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { createRedactor, registerSecret, SecretRegistry } from '../../src/redact/index.js';

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

// A value that matches no detector: only registration can catch it.
const CANARY = 'canary-Qx7vB2mZ9kLp';

test('canary: a registered secret appears in no log output, error message or stack, whatever path it takes', () => {
  assert.equal(registerSecret(CANARY, 'test:canary'), true);
  const { lines, destination } = capture();
  const logger = createLogger({ destination, level: 'trace' });
  const error = new Error(`connect failed for ${CANARY}`, { cause: new Error(`inner ${CANARY}`) });
  const bulwarkError = new BulwarkError('BWK_IO', `cannot read /tmp/${CANARY}`, { fix: `remove ${CANARY}` });

  logger.info(`message ${CANARY}`);
  logger.info('interpolated %s and %o and %j', CANARY, { nested: CANARY }, { json: [CANARY] });
  logger.warn({ deep: { list: [{ value: `x${CANARY}y` }] }, [CANARY]: 'as a key' }, 'merging object');
  logger.error(error);
  logger.error({ err: error }, 'with err key');
  logger.error(bulwarkError, 'typed error');
  logger.child({ session: CANARY }).info('child bindings');
  logger.child({ a: 1 }).child({ b: `nested ${CANARY}` }).debug({ map: new Map([['k', CANARY]]), buf: Buffer.from(CANARY) }, 'collections');
  logger.info(`base64 ${Buffer.from(`user:${CANARY}`).toString('base64')} url ${encodeURIComponent(`${CANARY}/`)} hex ${Buffer.from(CANARY).toString('hex')}`);
  logger.trace({ headers: { authorization: `Bearer ${CANARY}` } }, 'sensitive key');

  assert.ok(lines.length >= 10, `got ${lines.length} lines`);
  for (const line of lines) {
    assert.equal(line.includes(CANARY), false, line);
    assert.equal(line.includes(Buffer.from(CANARY).toString('hex')), false, line);
  }
  assert.ok(lines.some((line) => line.includes('*****')));
  // Errors carry the filtered text themselves, so printing them elsewhere is safe too.
  assert.equal(bulwarkError.message.includes(CANARY), false);
  assert.equal(String(bulwarkError.stack).includes(CANARY), false);
  assert.equal(String(bulwarkError.fix).includes(CANARY), false);
  assert.equal(formatError(bulwarkError).includes(CANARY), false);
  assert.equal(formatError(error).includes(CANARY), false, 'the fallback formatter filters plain errors too');
});

test('records are JSON with the level and redacted fields; the level filters', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ destination, level: 'warn', redactor: createRedactor({ registry: new SecretRegistry() }) });
  logger.info('dropped');
  logger.warn({ user: 'ann', password: 'pw-value' }, 'kept');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(record.level, 40);
  assert.equal(record.msg, 'kept');
  assert.equal(record.user, 'ann');
  assert.equal(record.password, '*****');
});

test('logger.error(err) keeps pino\'s shape: err object with type, message and stack', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ destination, redactor: createRedactor({ registry: new SecretRegistry() }) });
  logger.error(new TypeError('bad thing'));
  const record = JSON.parse(lines[0] ?? '') as { msg: string; err: { type: string; message: string; stack: string } };
  assert.equal(record.msg, 'bad thing');
  assert.equal(record.err.type, 'TypeError');
  assert.ok(record.err.stack.startsWith('TypeError: bad thing'));
});
