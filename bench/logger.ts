/**
 * Records per second: bulwark's redacting logger (every key, value, message and error through the
 * engine) against pino with its own path-only `redact` option on the same records, both writing
 * JSON synchronously to /dev/null.
 */
import { pino } from 'pino';
import { createLogger } from '../src/log/index.js';
import { createRedactor, SecretRegistry } from '../src/redact/index.js';
import { prng } from './corpus.js';
import { fixed, table } from './util.js';

export interface LoggerBenchResult {
  readonly records: number;
  readonly pinoPerSecond: number;
  readonly bulwarkPerSecond: number;
  readonly ratio: number;
}

function records(count: number): { obj: Record<string, unknown>; msg: string }[] {
  const random = prng(5);
  const out: { obj: Record<string, unknown>; msg: string }[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      obj: {
        reqId: `req-${Math.floor(random() * 1e9).toString(36)}`,
        req: {
          method: random() < 0.7 ? 'GET' : 'POST',
          url: `/api/v1/items/${Math.floor(random() * 10000)}?page=${Math.floor(random() * 9)}`,
          headers: { authorization: `Bearer tok${Math.floor(random() * 1e12).toString(36)}`, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', accept: 'application/json' },
        },
        res: { statusCode: 200, contentLength: Math.floor(random() * 40000) },
        user: { id: Math.floor(random() * 1e6), role: 'member' },
        responseTime: Math.round(random() * 5000) / 10,
      },
      msg: 'request completed',
    });
  }
  return out;
}

function measure(log: (record: { obj: Record<string, unknown>; msg: string }) => void, batch: readonly { obj: Record<string, unknown>; msg: string }[]): number {
  for (let i = 0; i < Math.min(2000, batch.length); i++) log(batch[i]!); // warm-up
  const started = process.hrtime.bigint();
  for (const record of batch) log(record);
  return batch.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

export function runLoggerBench(count: number): LoggerBenchResult {
  const batch = records(count);
  const plain = pino({ redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password'], censor: '*****' } }, pino.destination({ dest: '/dev/null', sync: true }));
  const ours = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }), redactor: createRedactor({ registry: new SecretRegistry() }) });
  // Alternate, best of three each, so neither gets the warmer JIT.
  let pinoBest = 0;
  let oursBest = 0;
  for (let round = 0; round < 3; round++) {
    pinoBest = Math.max(pinoBest, measure((record) => { plain.info(record.obj, record.msg); }, batch));
    oursBest = Math.max(oursBest, measure((record) => { ours.info(record.obj, record.msg); }, batch));
  }
  return { records: count, pinoPerSecond: pinoBest, bulwarkPerSecond: oursBest, ratio: pinoBest / oursBest };
}

export function formatLoggerBench(result: LoggerBenchResult): string {
  return table([
    ['logger', 'records/s', 'note'],
    ['pino 10.4.0, redact: paths', fixed(result.pinoPerSecond, 0), 'masks only the listed paths'],
    ['bulwark createLogger', fixed(result.bulwarkPerSecond, 0), 'every key, value and message through the engine'],
    ['pino / bulwark', `${fixed(result.ratio, 2)}x`, 'target: <= 2x'],
  ]);
}
