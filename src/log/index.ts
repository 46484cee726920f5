/**
 * The redacting logger. pino underneath; every record passes through the redaction engine before
 * it is formatted: the message and its interpolation arguments, the merging object (keys and
 * values, nested), errors with their stacks and causes, and the bindings of child loggers.
 */
import { createRequire } from 'node:module';
import type { DestinationStream, Level, Logger, LoggerOptions as PinoOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { getDefaultRedactor, type Redactor } from '../redact/index.js';

// pino and pino-pretty are loaded on the first createLogger call, not at import: commands that
// never log (bulwark redact in a pipe) start ~40 ms faster. Both are CommonJS, so require is sync.
const require = createRequire(import.meta.url);
let pinoModule: typeof import('pino') | undefined;
function loadPino(): typeof import('pino') {
  pinoModule ??= require('pino') as typeof import('pino');
  return pinoModule;
}

export type LogLevel = Level | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** auto: pretty on a TTY, JSON otherwise. */
  readonly format?: LogFormat;
  /** Where records go; default stderr (stdout belongs to command output and MCP stdio). */
  readonly destination?: DestinationStream;
  /** Default: the process-wide redactor, which knows every registered secret. */
  readonly redactor?: Redactor;
  readonly name?: string;
}

export type { Logger } from 'pino';

function redactArgument(redactor: Redactor, value: unknown): unknown {
  if (typeof value === 'string') return redactor.redactString(value).text;
  if (value === null || typeof value !== 'object') return value;
  return redactor.redactValue(value).value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { pino } = loadPino();
  const redactor = (): Redactor => options.redactor ?? getDefaultRedactor();
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && options.destination === undefined && process.stderr.isTTY);
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    base: options.name === undefined ? { pid: process.pid } : { pid: process.pid, name: options.name },
    hooks: {
      logMethod(args: unknown[], method) {
        const [first, ...rest] = args;
        const r = redactor();
        if (first instanceof Error) {
          // Mirror pino's own shape for logger.error(err): the error under `err`, its message as msg.
          const serialized = r.redactValue(first).value;
          const message = rest.length > 0 ? rest.map((arg) => redactArgument(r, arg)) : [r.redactString(first.message).text];
          method.apply(this, [{ err: serialized }, ...message] as Parameters<typeof method>);
          return;
        }
        method.apply(this, args.map((arg) => redactArgument(r, arg)) as Parameters<typeof method>);
      },
    },
    formatters: {
      bindings(bindings) {
        return redactor().redactValue(bindings).value as Record<string, unknown>;
      },
    },
    // Errors were already turned into plain redacted objects; pino's serializer must not re-read the original.
    serializers: { err: (value: unknown) => value },
  };
  // Synchronous in-process pretty printing: a worker-thread transport could outlive a short CLI run and lose lines.
  const destination =
    options.destination ?? (pretty ? (require('pino-pretty') as typeof PinoPretty)({ destination: 2, colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination({ fd: 2, sync: true }));
  const logger = pino(pinoOptions, destination);
  // pino applies formatters.bindings to the root only (children get an identity formatter), so
  // child bindings are redacted here. Children are created with Object.create(parent) and
  // inherit this wrapper.
  const pinoChild = Object.getPrototypeOf(logger) as Pick<Logger, 'child'>;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return pinoChild.child.call(this, redactor().redactValue(bindings).value as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
