/**
 * The pure core of the audit log: the record shape, its canonical JSON, its hash, and the bytes a
 * checkpoint signs. No I/O and no clock here: the writer passes the time in.
 *
 * A record is one line of canonical JSON (keys sorted at every level, no whitespace) with all ten
 * fields present:
 *
 *   {"actor":…,"data":{…},"decision":"allow"|"deny"|null,"hash":"<sha256 hex>","prev":"<hex>"|null,
 *    "rule":…|null,"seq":1,"subject":…,"time":"2025-01-01T00:00:00.000Z","type":"tool.call"}
 *
 * `hash` is the SHA-256 (hex) of the canonical JSON of the record without its `hash` member, which
 * is exactly the line with `,"hash":"…"` cut out; `prev` is the previous record's `hash` (null for
 * the first record of the chain). Because `data` sorts before `hash` and every member after `hash`
 * is a string, a number or null, the last `,"hash":"` of a line is always the top-level one.
 */
import { createHash, createPublicKey, hash as oneShotHash, verify as verifySignature, type KeyObject } from 'node:crypto';

export type AuditDecision = 'allow' | 'deny';

/** What other modules append. `data` goes through the redaction engine before it is written. */
export interface AuditEvent {
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly decision?: AuditDecision;
  readonly rule?: string;
  readonly data?: Record<string, unknown>;
}

export interface AuditRecord {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly decision: AuditDecision | null;
  readonly rule: string | null;
  readonly data: Record<string, unknown>;
  readonly prev: string | null;
  readonly hash: string;
}

/** Returned by `append` once the record is durable. */
export interface Receipt {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
}

/** Record types the log writes itself. */
export const AUDIT_TYPES = {
  key: 'audit.key',
  checkpoint: 'audit.checkpoint',
  recovery: 'audit.recovery',
  retention: 'audit.retention',
  policyChange: 'policy.change',
} as const;

export const CHECKPOINT_DOMAIN = 'bulwark-audit-checkpoint-v1';
const HASH_MEMBER = ',"hash":"';
const HASH_MEMBER_LENGTH = HASH_MEMBER.length + 64 + 1;

/**
 * Canonical JSON of any value: sorted keys, no whitespace. Values JSON has no form for are
 * normalized the way a reader would expect: bigint → decimal string, Date → ISO string, Map →
 * object, Set → array, non-finite numbers → null, undefined members dropped (null in arrays).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (value instanceof Set) return canonicalJson([...value]);
  const entries: [string, unknown][] = value instanceof Map ? [...value].map(([key, item]) => [String(key), item]) : Object.entries(value as object);
  const members: string[] = [];
  for (const [key, item] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${members.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A record before it is hashed; `data` is already redacted. */
export interface RecordFields extends Omit<AuditRecord, 'data' | 'hash'> {
  readonly data: unknown;
}

/** Builds a record: its hash and the line to write (with the trailing newline). */
export function buildRecord(fields: RecordFields): { hash: string; line: string } {
  const head = `{"actor":${JSON.stringify(fields.actor)},"data":${canonicalJson(fields.data ?? {})},"decision":${fields.decision === null ? 'null' : JSON.stringify(fields.decision)}`;
  const tail = `,"prev":${fields.prev === null ? 'null' : JSON.stringify(fields.prev)},"rule":${fields.rule === null ? 'null' : JSON.stringify(fields.rule)},"seq":${fields.seq},"subject":${JSON.stringify(fields.subject)},"time":${JSON.stringify(fields.time)},"type":${JSON.stringify(fields.type)}}`;
  const hash = createHash('sha256').update(head).update(tail).digest('hex');
  return { hash, line: `${head}${HASH_MEMBER}${hash}"${tail}\n` };
}

/**
 * The hash a line should carry: SHA-256 of the line without its `hash` member. undefined when the
 * line has no well-placed hash member (then it is damaged).
 */
export function computeLineHash(line: string): { stored: string; computed: string } | undefined {
  const at = line.lastIndexOf(HASH_MEMBER);
  if (at < 0 || line.length < at + HASH_MEMBER_LENGTH || line.charCodeAt(at + HASH_MEMBER_LENGTH - 1) !== 34 /* " */) return undefined;
  if (!line.startsWith(',"prev":', at + HASH_MEMBER_LENGTH)) return undefined;
  const stored = line.slice(at + HASH_MEMBER.length, at + HASH_MEMBER_LENGTH - 1);
  const computed = oneShotHash('sha256', line.slice(0, at) + line.slice(at + HASH_MEMBER_LENGTH), 'hex');
  return { stored, computed };
}

const FIELD_COUNT = 10;

/** Parses a line into a record and checks every field's type; a reason when it is not a record. */
export function parseRecord(line: string): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'is not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not a JSON object';
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length !== FIELD_COUNT) return 'does not have exactly the ten record fields';
  const { seq, time, type, actor, subject, decision, rule, data, prev, hash } = record;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'has no valid seq';
  if (typeof time !== 'string' || time.length < 20 || time.charCodeAt(10) !== 84 /* T */) return 'has no valid time';
  if (typeof type !== 'string' || typeof actor !== 'string' || typeof subject !== 'string') return 'has a type, actor or subject that is not a string';
  if (decision !== null && decision !== 'allow' && decision !== 'deny') return 'has a decision that is not allow, deny or null';
  if (rule !== null && typeof rule !== 'string') return 'has a rule that is not a string or null';
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'has data that is not an object';
  // Length only: verify compares both with computed hex digests, which settles the alphabet.
  if (prev !== null && (typeof prev !== 'string' || prev.length !== 64)) return 'has a prev that is not a SHA-256 hash';
  if (typeof hash !== 'string' || hash.length !== 64) return 'has a hash that is not a SHA-256 hash';
  return record as unknown as AuditRecord;
}

/** What a checkpoint signs: the chain head it follows (which commits to every earlier record). */
export function checkpointMessage(fields: { seq: number; time: string; prev: string | null; count: number; final: boolean }): Buffer {
  return Buffer.from(canonicalJson({ domain: CHECKPOINT_DOMAIN, seq: fields.seq, time: fields.time, prev: fields.prev, count: fields.count, final: fields.final }));
}

/** A public key as recorded in `audit.key` records: base64 of its SPKI DER. */
export function encodePublicKey(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function decodePublicKey(encoded: string): KeyObject {
  return createPublicKey({ key: Buffer.from(encoded, 'base64'), format: 'der', type: 'spki' });
}

/** sha256 of the SPKI DER, hex: how a key is named in messages. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function checkSignature(key: KeyObject, message: Buffer, signatureBase64: string): boolean {
  try {
    return verifySignature(null, message, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** Where the tail search patterns match: a line that ends a record of this type. */
export function typeLineEnd(type: string): string {
  return `"type":${JSON.stringify(type)}}\n`;
}
