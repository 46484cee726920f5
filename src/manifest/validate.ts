/**
 * The plugin manifest schema (manifest.schema.json, JSON Schema 2020-12): compiling it once with
 * Ajv on first use, and turning Ajv's errors into problems that name the JSON path, the reason and
 * a fix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { problemsFromAjv } from '../policy/index.js';
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

/** Validates a parsed manifest; returns the problems (none means valid), each with a path and a fix. */
export function validateManifestDocument(document: unknown): { manifest: Manifest; problems: [] } | { manifest: undefined; problems: ManifestProblem[] } {
  const validate = manifestValidator();
  if (validate(document)) return { manifest: document as Manifest, problems: [] };
  // The same Ajv-error wording as the policy, walking this schema.
  const walker = { at: schemaAt, resolve, hint: 'see the manifest reference in README.md (`bulwark run`)' };
  const problems: ManifestProblem[] = problemsFromAjv(validate.errors ?? [], new Set(), walker).map(({ path, message, fix }) =>
    path === '/permissions/process/justification'
      ? { path, message: 'process.spawn needs a justification', fix: 'add "justification": a sentence saying why the plugin starts processes, e.g. "reads commit history with git log"' }
      : { path, message, fix },
  );
  return { manifest: undefined, problems };
}
