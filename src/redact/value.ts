/**
 * Redaction of structured values: deep objects with cycles, arrays, Maps, Sets, Buffers and errors
 * (with their stacks and causes). Returns a new plain value safe to serialize; the input is not
 * modified.
 */
import { MASK, type Finding } from './engine.js';

export interface ValueFinding extends Finding {
  /** Where in the value: a JSON-pointer-like path (`/headers/authorization`). */
  readonly path: string;
}

export interface ValueRedactor {
  redactText(text: string): { text: string; findings: readonly Finding[] };
  isSensitiveKey(key: string): boolean;
}

const MAX_DEPTH = 64;

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function redactValue(value: unknown, redactor: ValueRedactor): { value: unknown; findings: ValueFinding[] } {
  const findings: ValueFinding[] = [];
  const seen = new WeakSet<object>();

  const text = (input: string, path: string): string => {
    const result = redactor.redactText(input);
    for (const finding of result.findings) findings.push({ ...finding, path });
    return result.text;
  };

  const masked = (path: string, original: unknown): string => {
    const length = typeof original === 'string' ? original.length : 0;
    findings.push({ ruleId: 'sensitive-key', start: 0, end: length, path });
    return MASK;
  };

  const walk = (input: unknown, path: string, depth: number): unknown => {
    if (typeof input === 'string') return text(input, path);
    if (input === null || typeof input !== 'object') {
      // Functions and symbols carry no data to leak; bigint and numbers are kept as they are.
      return typeof input === 'function' ? '[Function]' : typeof input === 'symbol' ? input.toString() : input;
    }
    if (seen.has(input)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    seen.add(input);
    try {
      if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
        const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
        return text(bytes.toString('utf8'), path);
      }
      if (input instanceof Date) return input;
      if (Array.isArray(input)) return input.map((item, index) => walk(item, `${path}/${index}`, depth + 1));
      if (input instanceof Map) {
        const out = new Map<unknown, unknown>();
        for (const [key, item] of input) {
          const keyText = typeof key === 'string' ? key : String(key);
          const itemPath = `${path}/${escapePointer(keyText)}`;
          const safeKey = typeof key === 'string' ? text(key, `${itemPath}#key`) : walk(key, `${itemPath}#key`, depth + 1);
          out.set(safeKey, redactor.isSensitiveKey(keyText) ? masked(itemPath, item) : walk(item, itemPath, depth + 1));
        }
        return out;
      }
      if (input instanceof Set) return new Set([...input].map((item, index) => walk(item, `${path}/${index}`, depth + 1)));
      const out: Record<string, unknown> = {};
      if (input instanceof Error) {
        out.type = input.name;
        out.message = text(input.message, `${path}/message`);
        if (input.stack !== undefined) out.stack = text(input.stack, `${path}/stack`);
        if (input.cause !== undefined) out.cause = walk(input.cause, `${path}/cause`, depth + 1);
        if (input instanceof AggregateError) out.errors = walk(input.errors, `${path}/errors`, depth + 1);
      }
      for (const key of Object.keys(input)) {
        if (input instanceof Error && (key === 'message' || key === 'stack' || key === 'cause')) continue;
        const itemPath = `${path}/${escapePointer(key)}`;
        const item: unknown = (input as Record<string, unknown>)[key];
        const safeKey = text(key, `${itemPath}#key`);
        // Values under sensitive keys are masked whole, whatever they look like (a nested object included).
        const safeItem = redactor.isSensitiveKey(key) && item !== null && item !== undefined && item !== '' ? masked(itemPath, item) : walk(item, itemPath, depth + 1);
        // A `__proto__` own key (JSON.parse makes them) must stay data, not become the prototype.
        if (safeKey === '__proto__') Object.defineProperty(out, safeKey, { value: safeItem, enumerable: true, writable: true, configurable: true });
        else out[safeKey] = safeItem;
      }
      return out;
    } finally {
      seen.delete(input);
    }
  };

  return { value: walk(value, '', 0), findings };
}
