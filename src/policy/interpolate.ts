/**
 * `${VAR}` expansion, allowed only in fields the schema marks `x-env` (policy 2.5.2: sensitive
 * values come from the environment, not the file). Everywhere else a `${` is refused, so that an
 * operator never believes a value comes from the environment when bulwark reads it literally.
 * `$${` always stands for a literal `${`.
 */
import { childNode, envFields, IGNORED_KEYS, joinPointer, type SchemaNode } from './schema.js';
import type { PolicyProblem } from './types.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolationResult {
  readonly problems: PolicyProblem[];
  /** JSON pointer -> names of the variables expanded there. */
  readonly expanded: Map<string, string[]>;
}

type Token = { kind: 'text'; text: string } | { kind: 'var'; name: string } | { kind: 'malformed' };

/** Splits a string into literal text and `${NAME}` references; `$${` is a literal `${`. */
export function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i)) {
      text += '${';
      i += 3;
    } else if (value.startsWith('${', i)) {
      const end = value.indexOf('}', i + 2);
      const name = end < 0 ? '' : value.slice(i + 2, end);
      if (text !== '') tokens.push({ kind: 'text', text });
      text = '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        tokens.push({ kind: 'malformed' });
        i = end < 0 ? value.length : end + 1;
      } else {
        tokens.push({ kind: 'var', name });
        i = end + 1;
      }
    } else {
      text += value.charAt(i);
      i++;
    }
  }
  if (text !== '') tokens.push({ kind: 'text', text });
  return tokens;
}

function allowedList(): string {
  return envFields().join(', ');
}

function expandString(value: string, node: SchemaNode, pointer: string, env: Env, result: InterpolationResult): string {
  if (!value.includes('${')) return value;
  const tokens = tokenize(value);
  const refs = tokens.filter((token) => token.kind !== 'text');
  if (refs.length === 0) return tokens.map((token) => (token.kind === 'text' ? token.text : '')).join('');
  if (node['x-env'] !== true) {
    result.problems.push({
      path: pointer,
      code: 'BWK_POLICY_ENV_NOT_ALLOWED',
      message: `${refs.map((token) => (token.kind === 'var' ? `\${${token.name}}` : '${...}')).join(', ')} is not expanded in this field`,
      fix: `write the value itself (or $\${ for a literal \${); \${VAR} is allowed only in: ${allowedList()}`,
    });
    return value;
  }
  if (refs.some((token) => token.kind === 'malformed')) {
    result.problems.push({
      path: pointer,
      code: 'BWK_POLICY_INVALID',
      message: 'malformed ${...}: only ${NAME} is supported, NAME being letters, digits and _ not starting with a digit',
      fix: 'write ${NAME}, or $${ for a literal ${',
    });
    return value;
  }
  let out = '';
  let missing = false;
  const names: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'text') {
      out += token.text;
    } else if (token.kind === 'var') {
      const envValue = Object.hasOwn(env, token.name) ? env[token.name] : undefined;
      if (envValue === undefined || envValue === '') {
        missing = true;
        result.problems.push({
          path: pointer,
          code: 'BWK_POLICY_ENV_MISSING',
          message: `environment variable ${token.name} is not set (or is empty)`,
          fix: `set ${token.name} in the environment bulwark runs in, or write the value into the file`,
        });
      } else {
        out += envValue;
        if (!names.includes(token.name)) names.push(token.name);
      }
    }
  }
  if (missing) return value;
  result.expanded.set(pointer, names);
  return out;
}

function walk(value: unknown, node: SchemaNode, pointer: string, env: Env, result: InterpolationResult): unknown {
  if (typeof value === 'string') return expandString(value, node, pointer, env, result);
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) => {
      const child = childNode(node, String(index));
      return child === undefined ? item : walk(item, child, joinPointer(pointer, index), env, result);
    });
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      // Notes ($comment, $schema) are never expanded or checked; keys the schema does not know
      // are left alone, and validation reports them.
      const child = IGNORED_KEYS.has(key) ? undefined : childNode(node, key);
      const expanded = child === undefined ? item : walk(item, child, joinPointer(pointer, key), env, result);
      Object.defineProperty(out, key, { value: expanded, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Returns a copy of `document` with `${VAR}` expanded where allowed, and every problem found. */
export function interpolate(document: unknown, schema: SchemaNode, env: Env): { value: unknown } & InterpolationResult {
  const result: InterpolationResult = { problems: [], expanded: new Map() };
  const value = walk(document, schema, '', env, result);
  return { value, ...result };
}
