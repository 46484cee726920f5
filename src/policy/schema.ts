/**
 * The policy JSON Schema: loading it, compiling it once with Ajv, and walking it by JSON pointer
 * (to find which fields allow `${VAR}`, which are secret, and what each one means).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';

/** The subset of JSON Schema this schema uses. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly anyOf?: readonly SchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly pattern?: string;
  readonly 'x-env'?: boolean;
  readonly 'x-secret'?: boolean;
  readonly $defs?: Readonly<Record<string, SchemaNode>>;
}

/** The annotation keywords this schema adds to JSON Schema. */
export const ANNOTATION_KEYWORDS = ['x-env', 'x-secret'] as const;

/** Keys of the file that are documentation, not policy. */
export const IGNORED_KEYS: ReadonlySet<string> = new Set(['$schema', '$comment']);

// dist/src/policy/schema.js and src/policy/schema.ts both sit next to policy.schema.json.
export const SCHEMA_URL = new URL('./policy.schema.json', import.meta.url);

let schemaText: string | undefined;
let schema: SchemaNode | undefined;
let validator: ValidateFunction | undefined;

export function policySchemaText(): string {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed file shipped next to this module
  schemaText ??= readFileSync(SCHEMA_URL, 'utf8');
  return schemaText;
}

export function policySchema(): SchemaNode {
  schema ??= JSON.parse(policySchemaText()) as SchemaNode;
  return schema;
}

/** The options both validator builds use: strict, all errors, defaults filled in, no type coercion. */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, useDefaults: true, coerceTypes: false, verbose: true } as const;

const require = createRequire(import.meta.url);
let validatorKind: 'standalone' | 'compiled' | undefined;

/** Compiles the schema with Ajv at run time: the path for a source checkout that was not built. */
export function compilePolicyValidator(): ValidateFunction {
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv2020(AJV_OPTIONS);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'boolean' });
  return ajv.compile(policySchema());
}

/**
 * The validator: the standalone code `npm run build` generates from the schema
 * (scripts/build-validators.mjs), so a CLI start neither loads Ajv nor compiles the schema.
 */
export function policyValidator(): ValidateFunction {
  if (validator === undefined) {
    try {
      validator = require('./policy.validator.cjs') as ValidateFunction;
      validatorKind = 'standalone';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      validator = compilePolicyValidator();
      validatorKind = 'compiled';
    }
  }
  return validator;
}

/** Which validator is in use; the tests insist on the generated one. */
export function policyValidatorKind(): 'standalone' | 'compiled' | undefined {
  return validatorKind;
}

/** Follows a local `$ref`; keywords next to the `$ref` (default, description) win over the target's. */
export function resolveNode(node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (ref === undefined) return node;
  const name = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : ownEntry(policySchema().$defs, name);
  if (target === undefined) throw new Error(`policy schema: unresolvable $ref ${ref}`);
  const { $ref: _ref, ...rest } = node;
  return { ...resolveNode(target), ...rest };
}

export function ownEntry<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  if (record === undefined || !Object.hasOwn(record, key)) return undefined;
  return new Map(Object.entries(record)).get(key);
}

/** The schema of `segment` inside a value described by `node` (a property, or an array item). */
export function childNode(node: SchemaNode, segment: string): SchemaNode | undefined {
  const resolved = resolveNode(node);
  const property = ownEntry(resolved.properties, segment);
  if (property !== undefined) return resolveNode(property);
  if (resolved.items !== undefined && /^(0|[1-9][0-9]*)$/.test(segment)) return resolveNode(resolved.items);
  return undefined;
}

export function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function joinPointer(base: string, segment: string | number): string {
  return `${base}/${typeof segment === 'number' ? String(segment) : escapePointerSegment(segment)}`;
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The schema at a JSON pointer into a policy document, or undefined for a path the schema does not know. */
export function schemaAt(pointer: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = resolveNode(policySchema());
  for (const segment of splitPointer(pointer)) {
    if (node === undefined) return undefined;
    node = childNode(node, segment);
  }
  return node;
}

export interface FieldInfo {
  /** JSON pointer with `*` for any array index, e.g. `/audit/sinks/*\/url`. */
  readonly path: string;
  readonly node: SchemaNode;
}

/** Every field of the schema, depth first, in schema order. */
export function schemaFields(): FieldInfo[] {
  const fields: FieldInfo[] = [];
  const walk = (node: SchemaNode, path: string): void => {
    const resolved = resolveNode(node);
    for (const [key, child] of Object.entries(resolved.properties ?? {})) {
      const childPath = joinPointer(path, key);
      const childResolved = resolveNode(child);
      fields.push({ path: childPath, node: childResolved });
      walk(childResolved, childPath);
    }
    if (resolved.items !== undefined) walk(resolved.items, `${path}/*`);
  };
  walk(policySchema(), '');
  return fields;
}

let envFieldList: readonly string[] | undefined;

/** The fields where `${VAR}` is expanded (`x-env`), as pointers with `*` for array indexes. */
export function envFields(): readonly string[] {
  envFieldList ??= schemaFields()
    .filter((field) => field.node['x-env'] === true)
    .map((field) => field.path);
  return envFieldList;
}

let secretFieldList: readonly string[] | undefined;

/** The fields whose values are secret (`x-secret`), as pointers with `*` for array indexes. */
export function secretFields(): readonly string[] {
  secretFieldList ??= schemaFields()
    .filter((field) => field.node['x-secret'] === true)
    .map((field) => field.path);
  return secretFieldList;
}
