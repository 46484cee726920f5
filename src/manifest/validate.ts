/**
 * The plugin manifest schema (manifest.schema.json, JSON Schema 2020-12): compiling it once with
 * Ajv on first use, and turning Ajv's errors into problems that name the JSON path, the reason and
 * a fix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { didYouMean } from '../policy/index.js';
import type { Manifest, ManifestProblem } from './types.js';

interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly $defs?: Readonly<Record<string, SchemaNode>>;
}

// dist/src/manifest/validate.js and src/manifest/validate.ts both sit next to manifest.schema.json.
export const MANIFEST_SCHEMA_URL = new URL('./manifest.schema.json', import.meta.url);

const require = createRequire(import.meta.url);
let schema: SchemaNode | undefined;
let validator: ValidateFunction | undefined;

export function manifestSchema(): SchemaNode {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed file shipped next to this module
  schema ??= JSON.parse(readFileSync(MANIFEST_SCHEMA_URL, 'utf8')) as SchemaNode;
  return schema;
}

function manifestValidator(): ValidateFunction {
  if (validator === undefined) {
    const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: false, verbose: true });
    validator = ajv.compile(manifestSchema());
  }
  return validator;
}

function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  if (record === undefined || !Object.hasOwn(record, key)) return undefined;
  return new Map(Object.entries(record)).get(key);
}

function resolve(node: SchemaNode): SchemaNode {
  const name = node.$ref === undefined ? undefined : /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(node.$ref)?.[1];
  if (name === undefined) return node;
  return { ...(own(manifestSchema().$defs, name) ?? {}), ...node };
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** The schema describing the value at a JSON pointer, if the pointer stays inside the schema. */
function schemaAt(pointer: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = manifestSchema();
  for (const raw of pointer.split('/').slice(1)) {
    if (node === undefined) return undefined;
    const resolved = resolve(node);
    const segment = unescape(raw);
    node = /^\d+$/.test(segment) && resolved.items !== undefined ? resolved.items : own(resolved.properties, segment);
  }
  return node === undefined ? undefined : resolve(node);
}

function fixFor(node: SchemaNode | undefined): string {
  return node?.description ?? 'see the manifest reference in README.md (`bulwark run`)';
}

function param(error: ErrorObject, name: string): unknown {
  const params = error.params as Record<string, unknown>;
  return Object.hasOwn(params, name) ? new Map(Object.entries(params)).get(name) : undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a fractional number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function article(type: string): string {
  return type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
}

function convert(error: ErrorObject): ManifestProblem {
  const path = error.instancePath;
  const node = schemaAt(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(param(error, 'additionalProperty'));
      const allowed = Object.keys(node?.properties ?? {});
      const suggestion = didYouMean(key, allowed);
      const keyPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      return suggestion === undefined
        ? { path: keyPath, message: `unknown key "${key}"`, fix: `remove "${key}"; the keys allowed here are: ${allowed.join(', ')}` }
        : { path: keyPath, message: `unknown key "${key}" (did you mean "${suggestion}"?)`, fix: `rename it to "${suggestion}" (or remove it); the keys allowed here are: ${allowed.join(', ')}` };
    }
    case 'required': {
      const key = String(param(error, 'missingProperty'));
      const keyPath = `${path}/${key}`;
      if (path === '/permissions/process' && key === 'justification') {
        return { path: keyPath, message: 'process.spawn needs a justification', fix: 'add "justification": a sentence saying why the plugin starts processes, e.g. "reads commit history with git log"' };
      }
      return { path: keyPath, message: 'is required here', fix: fixFor(schemaAt(keyPath)) };
    }
    case 'type':
      return { path, message: `must be ${article(String(param(error, 'type')))}, not ${describeValue(error.data)}`, fix: fixFor(node) };
    case 'pattern':
      return { path, message: 'has the wrong format', fix: fixFor(node) };
    case 'uniqueItems':
      return { path, message: 'lists the same entry twice', fix: 'remove the duplicate' };
    case 'minimum':
    case 'maximum':
      return { path, message: `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(param(error, 'limit'))}`, fix: fixFor(node) };
    case 'minLength':
      return { path, message: `must be at least ${String(param(error, 'limit'))} characters long`, fix: fixFor(node) };
    default:
      return { path, message: error.message ?? 'is not valid', fix: fixFor(node) };
  }
}

/** Validates a parsed manifest; returns the problems (none means valid), each with a path and a fix. */
export function validateManifestDocument(document: unknown): { manifest: Manifest; problems: [] } | { manifest: undefined; problems: ManifestProblem[] } {
  const validate = manifestValidator();
  if (validate(document)) return { manifest: document as Manifest, problems: [] };
  const seen = new Set<string>();
  const problems: ManifestProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = convert(error);
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return { manifest: undefined, problems };
}
