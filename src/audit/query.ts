/**
 * Reading the log for people: filters, the last N records, and export as JSON Lines or CSV.
 * Lines that are not records are skipped here (verify is where damage is reported).
 */
import { BulwarkError } from '../errors/index.js';
import { canonicalJson, parseRecord, type AuditRecord } from './record.js';
import { listSegments, readSegmentLines } from './segments.js';

export interface AuditQuery {
  readonly since?: number;
  readonly until?: number;
  readonly type?: string;
  readonly actor?: string;
  readonly subject?: string;
  readonly decision?: 'allow' | 'deny';
}

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2025-01-31`, `2025-01-31T12:00:00Z`, or an age: `30s`, `15m`, `2h`, `7d` (before `now`). */
export function parseTime(text: string, now: number, flag: string): number {
  const relative = RELATIVE.exec(text);
  if (relative !== null) return now - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1000);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new BulwarkError('BWK_USAGE', `${flag} must be a date or an age, got "${text}"`, { fix: `pass e.g. ${flag} 2025-01-31T12:00:00Z or ${flag} 2h (also s, m, d)` });
  return parsed;
}

/** `type` ends with `.*` to match a prefix (`sandbox.*`). */
export function matches(record: AuditRecord, query: AuditQuery): boolean {
  if (query.type !== undefined) {
    if (query.type.endsWith('*') ? !record.type.startsWith(query.type.slice(0, -1)) : record.type !== query.type) return false;
  }
  if (query.actor !== undefined && record.actor !== query.actor) return false;
  if (query.subject !== undefined && record.subject !== query.subject) return false;
  if (query.decision !== undefined && record.decision !== query.decision) return false;
  if (query.since !== undefined || query.until !== undefined) {
    const time = Date.parse(record.time);
    if (query.since !== undefined && time < query.since) return false;
    if (query.until !== undefined && time > query.until) return false;
  }
  return true;
}

/** Every record of the log, oldest first, with the line it came from. */
export function* readRecords(dir: string): Generator<{ record: AuditRecord; line: string }> {
  for (const segment of listSegments(dir)) {
    for (const line of readSegmentLines(segment)) {
      if (!line.terminated) continue;
      const record = parseRecord(line.text);
      if (typeof record !== 'string') yield { record, line: line.text };
    }
  }
}

export function* queryRecords(dir: string, query: AuditQuery): Generator<{ record: AuditRecord; line: string }> {
  for (const item of readRecords(dir)) if (matches(item.record, query)) yield item;
}

/** The last `count` records, reading segments newest first and stopping as soon as it has enough. */
export function lastRecords(dir: string, count: number): { record: AuditRecord; line: string }[] {
  const out: { record: AuditRecord; line: string }[][] = [];
  let have = 0;
  const segments = listSegments(dir);
  for (let i = segments.length - 1; i >= 0 && have < count; i--) {
    const segment = segments[i];
    if (segment === undefined) continue;
    const items: { record: AuditRecord; line: string }[] = [];
    for (const line of readSegmentLines(segment)) {
      if (!line.terminated) continue;
      const record = parseRecord(line.text);
      if (typeof record !== 'string') items.push({ record, line: line.text });
    }
    const take = items.slice(Math.max(0, items.length - (count - have)));
    have += take.length;
    out.unshift(take);
  }
  return out.flat();
}

/** One line for people: time, seq, type, actor → subject, decision, rule, data. */
export function formatRecord(record: AuditRecord): string {
  const decision = record.decision ?? '-';
  const rule = record.rule === null ? '' : ` rule=${record.rule}`;
  const data = Object.keys(record.data).length === 0 ? '' : ` ${canonicalJson(record.data)}`;
  return `${record.time} #${record.seq} ${record.type} ${record.actor} -> ${record.subject} ${decision}${rule}${data}`;
}

export const CSV_COLUMNS = ['seq', 'time', 'type', 'actor', 'subject', 'decision', 'rule', 'data', 'prev', 'hash'] as const;

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @) is prefixed with '. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(record: AuditRecord): string {
  const cells = [String(record.seq), record.time, record.type, record.actor, record.subject, record.decision ?? '', record.rule ?? '', canonicalJson(record.data), record.prev ?? '', record.hash];
  return cells.map(csvCell).join(',');
}
