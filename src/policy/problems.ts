/**
 * Turns Ajv's errors into problems a person can act on: the JSON path, the reason in plain words,
 * a did-you-mean for misspelt keys and enum values, and a fix. Values are quoted only for enum
 * and const fields, which are never secret and never come from the environment.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { escapePointerSegment, resolveNode, schemaAt, type SchemaNode } from './schema.js';

/**
 * How the converter finds the schema of a value: the policy schema by default; the plugin
 * manifest passes its own. `hint` is the fix when the schema says nothing more specific.
 */
export interface SchemaWalker {
  at(pointer: string): SchemaNode | undefined;
  resolve(node: SchemaNode): SchemaNode;
  readonly hint: string;
}

const POLICY_WALKER: SchemaWalker = { at: schemaAt, resolve: resolveNode, hint: 'see docs/policy.md' };
import type { PolicyProblem } from './types.js';

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
 * characters (optimal string alignment), so `levle` is one edit from `level`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    const above = rows.at(i - 1) ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
      let best = Math.min((above.at(j) ?? 0) + 1, (row.at(j - 1) ?? 0) + 1, (above.at(j - 1) ?? 0) + cost);
      if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
        best = Math.min(best, (rows.at(i - 2)?.at(j - 2) ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows.at(a.length)?.at(b.length) ?? Math.max(a.length, b.length);
}

/** The candidate closest to `input` (ignoring case), if it is close enough to be a likely typo. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(needle.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    // A word that starts with a candidate of 3+ letters, or is the start of one: warning -> warn.
    const prefix = Math.min(needle.length, lower.length) >= 3 && (needle.startsWith(lower) || lower.startsWith(needle));
    const distance = prefix ? Math.min(limit, editDistance(needle, lower)) : editDistance(needle, lower);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function withSuggestion(message: string, suggestion: string | undefined): string {
  return suggestion === undefined ? message : `${message} (did you mean "${suggestion}"?)`;
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a fractional number';
  return article(typeof value);
}

function quoteShort(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

function expectedTypes(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map(article).join(' or ');
}

/** A short description of what a schema accepts, for anyOf alternatives. */
function describeSchema(node: SchemaNode, walker: SchemaWalker): string {
  const resolved = walker.resolve(node);
  if (resolved.const !== undefined) return JSON.stringify(resolved.const);
  if (resolved.enum !== undefined) return `one of ${resolved.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const type = resolved.type === undefined ? 'value' : expectedTypes(resolved.type);
  if (resolved.minimum !== undefined && resolved.maximum !== undefined) return `${type} from ${resolved.minimum} to ${resolved.maximum}`;
  if (resolved.minimum !== undefined) return `${type} of at least ${resolved.minimum}`;
  return type;
}

function defaultFix(node: SchemaNode | undefined, walker: SchemaWalker): string {
  if (node === undefined) return walker.hint;
  const parts: string[] = [];
  if (node.description !== undefined) parts.push(node.description);
  if (node.default !== undefined) parts.push(`Remove the key to use the default, ${quoteShort(node.default)}.`);
  return parts.join(' ') || walker.hint;
}

function problem(path: string, message: string, fix: string, suggestion?: string): PolicyProblem {
  return suggestion === undefined
    ? { path, message: withSuggestion(message, suggestion), fix, code: 'BWK_POLICY_INVALID' }
    : { path, message: withSuggestion(message, suggestion), fix, code: 'BWK_POLICY_INVALID', suggestion };
}

function param(error: ErrorObject, name: string): unknown {
  const params = error.params as Record<string, unknown>;
  return Object.hasOwn(params, name) ? new Map(Object.entries(params)).get(name) : undefined;
}

function convert(error: ErrorObject, walker: SchemaWalker): PolicyProblem {
  const path = error.instancePath;
  const node = walker.at(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(param(error, 'additionalProperty'));
      const allowed = Object.keys(walker.resolve(node ?? {}).properties ?? {});
      const suggestion = didYouMean(key, allowed);
      const fix =
        suggestion === undefined
          ? `remove "${key}"; the keys allowed here are: ${allowed.join(', ')}`
          : `rename it to "${suggestion}" (or remove it); the keys allowed here are: ${allowed.join(', ')}`;
      return problem(`${path}/${escapePointerSegment(key)}`, `unknown key "${key}"`, fix, suggestion);
    }
    case 'required': {
      const key = String(param(error, 'missingProperty'));
      const child = node === undefined ? undefined : walker.at(`${path}/${escapePointerSegment(key)}`);
      return problem(`${path}/${escapePointerSegment(key)}`, 'is required here', defaultFix(child, walker));
    }
    case 'type':
      return problem(path, `must be ${expectedTypes(param(error, 'type'))}, not ${jsonType(error.data)}`, defaultFix(node, walker));
    case 'enum': {
      const allowed = (param(error, 'allowedValues') as unknown[]).map((value) => JSON.stringify(value));
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, (param(error, 'allowedValues') as unknown[]).map(String)) : undefined;
      const head = typeof error.data === 'string' ? `${quoteShort(error.data)} is not one of ${allowed.join(', ')}` : `must be one of ${allowed.join(', ')}`;
      return problem(path, head, defaultFix(node, walker), suggestion);
    }
    case 'const': {
      const allowed = JSON.stringify(param(error, 'allowedValue'));
      return problem(path, `must be ${allowed}`, `set it to ${allowed} or remove it`);
    }
    case 'anyOf': {
      const alternatives = (error.schema as SchemaNode[]).map((alternative) => describeSchema(alternative, walker));
      return problem(path, `must be ${alternatives.join(' or ')}`, defaultFix(node, walker));
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'greater than', exclusiveMaximum: 'less than' } as const;
      return problem(path, `must be ${words[error.keyword]} ${String(param(error, 'limit'))}`, defaultFix(node, walker));
    }
    case 'minLength': {
      const limit = Number(param(error, 'limit'));
      return problem(path, limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`, defaultFix(node, walker));
    }
    case 'maxLength':
      return problem(path, `must be at most ${String(param(error, 'limit'))} characters long`, defaultFix(node, walker));
    case 'minItems':
      return problem(path, `must list at least ${String(param(error, 'limit'))} item(s)`, defaultFix(node, walker));
    case 'uniqueItems':
      return problem(path, `lists the same value twice (items ${String(param(error, 'j'))} and ${String(param(error, 'i'))})`, 'remove the duplicate');
    case 'pattern':
      return problem(path, `does not have the expected form (${String(param(error, 'pattern'))})`, defaultFix(node, walker));
    default:
      return problem(path, error.message ?? `fails ${error.keyword}`, defaultFix(node, walker));
  }
}

/**
 * Converts Ajv errors into problems: one per real mistake. The per-branch errors of an anyOf are
 * folded into the anyOf's own error, and errors at `suppress`ed paths (already reported, e.g. a
 * refused `${VAR}`) are dropped.
 */
export function problemsFromAjv(errors: readonly ErrorObject[], suppress: ReadonlySet<string> = new Set(), walker: SchemaWalker = POLICY_WALKER): PolicyProblem[] {
  const anyOfPaths = errors.filter((error) => error.keyword === 'anyOf').map((error) => `${error.schemaPath}/`);
  const seen = new Set<string>();
  const problems: PolicyProblem[] = [];
  for (const error of errors) {
    if (anyOfPaths.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    if (suppress.has(error.instancePath)) continue;
    const converted = convert(error, walker);
    const key = `${converted.path}\u0000${converted.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(converted);
  }
  return problems;
}

/** `path: reason`, with `/` standing for the whole document. */
export function formatProblem(problem: PolicyProblem): string {
  return `${problem.path === '' ? '/' : problem.path}: ${problem.message}`;
}
