/**
 * `bulwark policy explain`: every effective value, where it came from, secrets masked.
 */
import { childNode, policySchema, resolveNode, type SchemaNode } from './schema.js';
import type { ExplainEntry, LoadedPolicy, Policy, Source, ValidatedPolicy } from './types.js';
import { policyLeaves } from './validate.js';

export const MASK = '*****';

/** A copy of `value` with every set `x-secret` field replaced by `*****` (null stays null: nothing to hide). */
export function maskSecrets(value: unknown, node: SchemaNode | undefined): unknown {
  if (node === undefined) return value;
  const resolved = resolveNode(node);
  if (resolved['x-secret'] === true) return value === null ? null : MASK;
  if (Array.isArray(value)) return value.map((item: unknown, index) => maskSecrets(item, childNode(resolved, String(index))));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: maskSecrets(child, childNode(resolved, key)), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function containsSecret(node: SchemaNode | undefined): boolean {
  if (node === undefined) return false;
  const resolved = resolveNode(node);
  if (resolved['x-secret'] === true) return true;
  return Object.values(resolved.properties ?? {}).some(containsSecret) || (resolved.items !== undefined && containsSecret(resolved.items));
}

/** Leaf entries of the effective policy, in schema order, with secret values masked. */
export function explainPolicy(loaded: ValidatedPolicy | LoadedPolicy): ExplainEntry[] {
  return policyLeaves(loaded.policy).map((leaf) => ({
    path: leaf.path,
    value: maskSecrets(leaf.value, leaf.node),
    source: loaded.sources.get(leaf.path) ?? { kind: 'default' },
    secret: containsSecret(leaf.node),
  }));
}

/**
 * Values of the policy's `x-secret` fields that are set, for registering with the redaction
 * engine so that they are masked wherever they would otherwise appear.
 */
export function policySecretValues(policy: Policy): string[] {
  const values: string[] = [];
  const walk = (value: unknown, node: SchemaNode | undefined): void => {
    if (node === undefined) return;
    const resolved = resolveNode(node);
    if (resolved['x-secret'] === true) {
      if (typeof value === 'string') values.push(value);
      return;
    }
    if (Array.isArray(value)) value.forEach((item: unknown, index) => { walk(item, childNode(resolved, String(index))); });
    else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, childNode(resolved, key));
  };
  walk(policy, policySchema());
  return values;
}

/** How a source reads in the explain table. */
export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return 'file';
    case 'env':
      return `env ${source.variable.split(',').map((name) => `$${name}`).join(' ')}`;
  }
}

function display(value: unknown): string {
  return value === MASK ? MASK : JSON.stringify(value);
}

/** Splits a long array's JSON over lines of at most `width` characters, breaking between items. */
function wrapValue(value: unknown, width: number): string[] {
  const text = display(value);
  if (text.length <= width || !Array.isArray(value)) return [text];
  const lines: string[] = [];
  let line = '[';
  value.forEach((item: unknown, index) => {
    const piece = `${display(item)}${index === value.length - 1 ? ']' : ','}`;
    if (line.length > 1 && line.length + piece.length > width) {
      lines.push(line);
      line = ' ';
    }
    line += piece;
  });
  lines.push(line);
  return lines;
}

/** An aligned table: PATH, VALUE, SOURCE. Long arrays wrap inside the value column. */
export function formatExplainTable(entries: readonly ExplainEntry[], valueWidth = 60): string {
  const pathWidth = Math.max(4, ...entries.map((entry) => entry.path.length));
  const rows = entries.map((entry) => ({ path: entry.path, lines: wrapValue(entry.value, valueWidth), source: describeSource(entry.source) }));
  const width = Math.max(5, ...rows.flatMap((row) => row.lines.map((line) => line.length)).filter((length) => length <= valueWidth));
  const out = [`${'PATH'.padEnd(pathWidth)}  ${'VALUE'.padEnd(width)}  SOURCE`];
  for (const row of rows) {
    row.lines.forEach((line, index) => {
      out.push((index === 0 ? `${row.path.padEnd(pathWidth)}  ${line.padEnd(width)}  ${row.source}` : `${''.padEnd(pathWidth)}  ${line}`).trimEnd());
    });
  }
  return out.join('\n');
}
