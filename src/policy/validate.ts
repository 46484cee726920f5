/**
 * The pure core: policy text in, effective policy (or every problem with it) out.
 * parse -> expand ${VAR} where allowed -> schema (fills defaults) -> semantic checks -> normalize.
 */
import { createHash } from 'node:crypto';
import { BulwarkError } from '../errors/index.js';
import { interpolate, type Env } from './interpolate.js';
import { JsonSyntaxError, parseJson } from './json.js';
import { formatProblem, problemsFromAjv } from './problems.js';
import { childNode, IGNORED_KEYS, joinPointer, policySchema, policyValidator, resolveNode, splitPointer, type SchemaNode } from './schema.js';
import { semanticProblems } from './semantic.js';
import type { Policy, PolicyProblem, PolicyProblemCode, Source, ValidatedPolicy } from './types.js';

export type { Env } from './interpolate.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON with object keys sorted at every level: the same policy always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(new Map(Object.entries(value)).get(key))}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of a policy; recorded in audit records to name the policy in force. */
export function policyHash(policy: Policy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A copy in schema order, without `$schema` and `$comment`. */
function normalize(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item: unknown, index) => normalize(item, node === undefined ? undefined : childNode(node, String(index))));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const order = node === undefined ? [] : Object.keys(resolveNode(node).properties ?? {});
  const keys = [...order.filter((key) => Object.hasOwn(value, key)), ...Object.keys(value).filter((key) => !order.includes(key))];
  const entries = new Map(Object.entries(value));
  for (const key of keys) {
    if (IGNORED_KEYS.has(key)) continue;
    defineOwn(out, key, normalize(entries.get(key), node === undefined ? undefined : childNode(node, key)));
  }
  return out;
}

export interface Leaf {
  readonly path: string;
  readonly value: unknown;
  readonly node: SchemaNode | undefined;
}

/**
 * The leaf values of a policy, in schema order: every value that is not an object, except that
 * a non-empty array of objects (authorization rules, audit sinks) is descended into.
 */
export function policyLeaves(policy: Policy): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (value: unknown, node: SchemaNode | undefined, path: string): void => {
    if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, node === undefined ? undefined : childNode(node, key), joinPointer(path, key));
    } else if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
      value.forEach((item, index) => {
        walk(item, node === undefined ? undefined : childNode(node, String(index)), joinPointer(path, index));
      });
    } else {
      leaves.push({ path, value, node });
    }
  };
  walk(policy, policySchema(), '');
  return leaves;
}

function presentPointers(document: unknown): Set<string> {
  const present = new Set<string>();
  const walk = (value: unknown, path: string): void => {
    present.add(path);
    if (Array.isArray(value)) value.forEach((item: unknown, index) => { walk(item, joinPointer(path, index)); });
    else if (isPlainObject(value)) for (const [key, child] of Object.entries(value)) walk(child, joinPointer(path, key));
  };
  walk(document, '');
  return present;
}

function computeSources(policy: Policy, present: ReadonlySet<string>, expanded: ReadonlyMap<string, string[]>, file: string): Map<string, Source> {
  const sources = new Map<string, Source>();
  for (const leaf of policyLeaves(policy)) {
    const variables = [...expanded.entries()].filter(([path]) => path === leaf.path || path.startsWith(`${leaf.path}/`)).flatMap(([, names]) => names);
    if (variables.length > 0) sources.set(leaf.path, { kind: 'env', variable: [...new Set(variables)].join(','), file });
    else if (present.has(leaf.path)) sources.set(leaf.path, { kind: 'file', file });
    else sources.set(leaf.path, { kind: 'default' });
  }
  return sources;
}

/** Problems in path order (stable), so each section's problems are listed together. */
function sortProblems(problems: readonly PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function errorCodeFor(problems: readonly PolicyProblem[]): PolicyProblemCode {
  const codes = new Set(problems.map((problem) => problem.code));
  const [only] = codes;
  return codes.size === 1 && only !== undefined ? only : 'BWK_POLICY_INVALID';
}

/** One error that lists every problem: one per line, `path: reason (did you mean "x"?)`. */
export function policyProblemsError(problems: readonly PolicyProblem[], fileLabel: string): BulwarkError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((item) => `  ${formatProblem(item)}`);
  const [first] = problems;
  const fix = problems.length === 1 && first !== undefined ? first.fix : 'correct each field listed; docs/policy.md and `bulwark policy schema` describe every field';
  return new BulwarkError(errorCodeFor(problems), `${fileLabel} has ${count}:\n${lines.join('\n')}`, {
    fix,
    details: { file: fileLabel, problems },
  });
}

/**
 * Validates an already-parsed document. The document is not modified.
 * Throws BulwarkError (BWK_POLICY_INVALID, BWK_POLICY_ENV_MISSING or BWK_POLICY_ENV_NOT_ALLOWED).
 */
export function validatePolicyDocument(document: unknown, fileLabel: string, env: Env): ValidatedPolicy {
  const schema = policySchema();
  const interpolated = interpolate(document, schema, env);
  const validate = policyValidator();
  const data = interpolated.value;
  const schemaOk = validate(data);
  const problems: PolicyProblem[] = [...interpolated.problems];
  const suppress = new Set(interpolated.problems.map((item) => item.path));
  if (!schemaOk) problems.push(...problemsFromAjv(validate.errors ?? [], suppress));
  // Semantic checks read typed values: run them only for sections without a problem so far.
  const troubled = new Set(problems.map((item) => splitPointer(item.path)[0] ?? ''));
  if (!troubled.has('')) problems.push(...semanticProblems(data as Policy, troubled));
  if (problems.length > 0) throw policyProblemsError(sortProblems(problems), fileLabel);
  const policy = deepFreeze(normalize(data, schema) as Policy);
  const sources = computeSources(policy, presentPointers(document), interpolated.expanded, fileLabel);
  return { policy, sources, hash: policyHash(policy) };
}

/** Validates policy text (the pure core of loadPolicy). Throws BulwarkError on any problem. */
export function validatePolicyText(text: string, fileLabel: string, env: Env = {}): ValidatedPolicy {
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new BulwarkError('BWK_POLICY_PARSE', `${fileLabel}:${error.line}:${error.column}: ${error.message}`, {
      fix: 'fix the JSON at that position (no comments, no trailing commas, double quotes only); `bulwark policy init` writes a valid starting point',
      details: { file: fileLabel, line: error.line, column: error.column },
    });
  }
  return validatePolicyDocument(document, fileLabel, env);
}

let defaults: ValidatedPolicy | undefined;

function defaultsValidated(): ValidatedPolicy {
  defaults ??= validatePolicyDocument({}, '(defaults)', {});
  return defaults;
}

/** The embedded defaults: the most secure working configuration. Frozen. */
export function defaultPolicy(): Policy {
  return defaultsValidated().policy;
}

/** Sources for the embedded defaults: every leaf is `default`. */
export function defaultSources(): Map<string, Source> {
  return new Map(defaultsValidated().sources);
}
