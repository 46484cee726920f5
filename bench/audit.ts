/**
 * The audit log: records per second appended with the hash chain, redaction and group commit
 * (fsync at most every 5 ms), and with one fsync per record (a caller awaiting each append);
 * against pino writing the same records to a file (no chain, no fsync) and better-sqlite3
 * inserting them (WAL, synchronous=NORMAL, one autocommitted insert per record). Then
 * `verify` throughput over the log written.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { auditDirOf, generateSigner, listSegments, openAuditLog, verifyLog, type AuditEvent } from '../src/audit/index.js';
import { createRedactor, SecretRegistry } from '../src/redact/index.js';
import { prng } from './corpus.js';
import { fixed, table, WORK } from './util.js';

export interface AuditBenchResult {
  readonly records: number;
  readonly groupCommitPerSecond: number;
  readonly fsyncPerRecordPerSecond: number;
  readonly fsyncAlwaysConcurrentPerSecond: number;
  readonly pinoPerSecond: number;
  readonly sqlitePerSecond: number;
  readonly verifyMegabytesPerSecond: number;
  readonly verifyBytes: number;
}

function events(count: number): AuditEvent[] {
  const random = prng(11);
  const tools = ['fs.read', 'fs.write', 'github.search', 'http.fetch', 'shell.run'];
  return Array.from({ length: count }, (_, i) => ({
    type: random() < 0.9 ? 'tool.call' : 'sandbox.deny',
    actor: `user-${Math.floor(random() * 500)}`,
    subject: tools[i % tools.length] ?? 'fs.read',
    decision: random() < 0.8 ? 'allow' : 'deny',
    rule: 'gateway.authz.rule-3',
    data: { requestId: `req-${Math.floor(random() * 1e9).toString(36)}`, args: { path: `/srv/data/project-${i % 97}/file-${i}.json`, mode: 'r' }, durationMs: Math.round(random() * 5000) / 10, bytes: Math.floor(random() * 40000) },
  }));
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Appends every event from `concurrency` callers, each awaiting its own receipt. */
async function appendAll(stateDir: string, batch: readonly AuditEvent[], fsync: 'always' | number, concurrency: number): Promise<number> {
  rmSync(stateDir, { recursive: true, force: true });
  // A private registry: the benchmark measures the engine, not whatever the process registered.
  const log = await openAuditLog({ stateDir, signer: generateSigner(), fsync, redactor: createRedactor({ registry: new SecretRegistry() }), autoPrune: false });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batch.length) await log.append(batch[next++]!);
    }),
  );
  await log.close();
  return batch.length / seconds(started);
}

async function pinoRate(file: string, batch: readonly AuditEvent[]): Promise<number> {
  const destination = pino.destination({ dest: file, sync: false, minLength: 4096 });
  await new Promise<void>((resolve) => destination.once('ready', () => { resolve(); }));
  const logger = pino({ base: null }, destination);
  const started = process.hrtime.bigint();
  for (const event of batch) logger.info(event);
  await new Promise<void>((resolve) => {
    destination.once('close', () => { resolve(); });
    destination.end();
  });
  return batch.length / seconds(started);
}

function sqliteRate(file: string, batch: readonly AuditEvent[]): number {
  rmSync(file, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE audit (seq INTEGER PRIMARY KEY, time TEXT, type TEXT, actor TEXT, subject TEXT, decision TEXT, rule TEXT, data TEXT)');
  const insert = db.prepare('INSERT INTO audit (time, type, actor, subject, decision, rule, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const started = process.hrtime.bigint();
  for (const event of batch) insert.run(new Date().toISOString(), event.type, event.actor, event.subject, event.decision ?? null, event.rule ?? null, JSON.stringify(event.data));
  const rate = batch.length / seconds(started);
  db.close();
  return rate;
}

export async function runAuditBench(count: number): Promise<AuditBenchResult> {
  const root = join(WORK, 'audit');
  mkdirSync(root, { recursive: true });
  const batch = events(count);
  const stateDir = join(root, 'state');
  await appendAll(stateDir, batch.slice(0, Math.min(20_000, count)), 5, 2048); // warm-up
  const groupCommitPerSecond = await appendAll(stateDir, batch, 5, 2048);
  // Verify the log just written (the big one).
  const dir = auditDirOf(stateDir);
  const verifyBytes = listSegments(dir).reduce((sum, segment) => sum + statSync(segment.path).size, 0);
  let verifyBest = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    const report = verifyLog(dir);
    if (!report.ok) throw new Error(`verify failed: ${report.problem?.message ?? ''}`);
    verifyBest = Math.min(verifyBest, seconds(started));
  }
  const small = batch.slice(0, Math.min(2000, count));
  const fsyncPerRecordPerSecond = await appendAll(join(root, 'state-sync'), small, 'always', 1);
  const fsyncAlwaysConcurrentPerSecond = await appendAll(join(root, 'state-sync'), batch.slice(0, Math.min(50_000, count)), 'always', 2048);
  const pinoPerSecond = await pinoRate(join(root, 'pino.log'), batch);
  const sqlitePerSecond = sqliteRate(join(root, 'audit.sqlite'), batch);
  return {
    records: count,
    groupCommitPerSecond,
    fsyncPerRecordPerSecond,
    fsyncAlwaysConcurrentPerSecond,
    pinoPerSecond,
    sqlitePerSecond,
    verifyMegabytesPerSecond: verifyBytes / 1e6 / verifyBest,
    verifyBytes,
  };
}

export function formatAuditBench(result: AuditBenchResult): string {
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US').replaceAll(',', ' ');
  const ratio = (value: number): string => `${fixed(result.groupCommitPerSecond / value, 2)}x`;
  return table([
    ['writer', 'records/s', 'bulwark group commit vs this'],
    ['bulwark audit, hash chain + redaction, group commit fsync every 5 ms (2048 concurrent callers)', rate(result.groupCommitPerSecond), '1.00x'],
    ['bulwark audit, fsync always, 2048 concurrent callers (one fsync per batch)', rate(result.fsyncAlwaysConcurrentPerSecond), ratio(result.fsyncAlwaysConcurrentPerSecond)],
    ['bulwark audit, fsync per record (one caller awaiting each append)', rate(result.fsyncPerRecordPerSecond), ratio(result.fsyncPerRecordPerSecond)],
    ['pino to a file (pino.destination, no chain, no fsync)', rate(result.pinoPerSecond), ratio(result.pinoPerSecond)],
    ['better-sqlite3, WAL, synchronous=NORMAL, one insert per record', rate(result.sqlitePerSecond), ratio(result.sqlitePerSecond)],
  ]) + `\n\nbulwark audit verify: ${fixed(result.verifyMegabytesPerSecond)} MB/s over ${fixed(result.verifyBytes / 1e6)} MB (${rate(result.records)} records)`;
}
