/**
 * Policy changes are audited: on every start the effective policy is compared with the one the
 * log last recorded, and a change is written as `policy.change` with a diff (JSON path, old and
 * new value; fields marked secret are `*****`, as `bulwark policy explain` shows them).
 *
 * The policy is named by a keyed digest of its hash (see AuditLog.keyedDigest), not its plain
 * SHA-256: every non-secret value is in the record, so a plain hash would let a reader of the log
 * test guesses of the secret ones.
 */
import { readFileSync } from 'node:fs';
import { canonicalJson as policyCanonicalJson, explainPolicy, type LoadedPolicy } from '../policy/index.js';
import { AUDIT_TYPES, parseRecord, typeLineEnd, type AuditRecord, type Receipt } from './record.js';
import { listSegments } from './segments.js';
import type { AuditLog } from './writer.js';

export interface PolicyChange {
  readonly path: string;
  readonly old: unknown;
  readonly new: unknown;
}

/** The latest record of `type` in the log, searching segments newest first. */
export function findLastRecord(dir: string, type: string): AuditRecord | null {
  const needle = typeLineEnd(type);
  const segments = listSegments(dir);
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (segment === undefined) continue;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
    const text = readFileSync(segment.path, 'utf8');
    let end = text.lastIndexOf(needle);
    while (end >= 0) {
      const start = text.lastIndexOf('\n', end) + 1;
      const record = parseRecord(text.slice(start, end + needle.length - 1));
      if (typeof record !== 'string') return record;
      end = end === 0 ? -1 : text.lastIndexOf(needle, end - 1);
    }
  }
  return null;
}

/** The policy's leaves as path → value, secret values masked. */
export function policySnapshot(loaded: LoadedPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of explainPolicy(loaded)) Object.defineProperty(out, entry.path, { value: entry.value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Paths whose values differ between two snapshots, in order. */
export function diffSnapshots(before: Record<string, unknown>, after: Record<string, unknown>): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const old = new Map(Object.entries(before));
  const now = new Map(Object.entries(after));
  const paths = [...new Set([...now.keys(), ...old.keys()])].sort();
  for (const path of paths) {
    const a = old.get(path);
    const b = now.get(path);
    if (policyCanonicalJson(a ?? null) !== policyCanonicalJson(b ?? null)) changes.push({ path, old: a ?? null, new: b ?? null });
  }
  return changes;
}

/**
 * Compares the effective policy with the last one the log recorded and writes `policy.change`
 * when it differs (or when the log has none). Returns the receipt, or null when unchanged.
 */
export async function auditPolicyOnStart(audit: AuditLog, loaded: LoadedPolicy): Promise<Receipt | null> {
  const digest = audit.keyedDigest(loaded.hash);
  const last = findLastRecord(audit.dir, AUDIT_TYPES.policyChange);
  const lastDigest = last?.data.policy;
  if (lastDigest === digest) return null;
  const values = policySnapshot(loaded);
  const previous = last?.data.values;
  const changes = previous !== null && typeof previous === 'object' && !Array.isArray(previous) ? diffSnapshots(previous as Record<string, unknown>, values) : [];
  return audit.append({
    type: AUDIT_TYPES.policyChange,
    actor: 'bulwark',
    subject: loaded.file ?? '(embedded defaults)',
    data: {
      policy: digest,
      previous: typeof lastDigest === 'string' ? lastDigest : null,
      initial: last === null,
      changes,
      ...(last !== null && changes.length === 0 ? { note: 'only values of secret fields changed (they are masked)' } : {}),
      values,
    },
  });
}
