import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditDirOf, auditPolicyOnStart, generateSigner, lastRecords, listSegments, openAuditLog, readRecords, verifyLog, type AuditLog } from '../../src/audit/index.js';
import { BulwarkError } from '../../src/errors/index.js';
import { validatePolicyDocument } from '../../src/policy/index.js';
import { tempDir } from '../cli/helpers.js';
import { readLines, record, writeLog } from './helpers.js';

function types(stateDir: string): string[] {
  return [...readRecords(auditDirOf(stateDir))].map(({ record }) => record.type);
}

test('appends from concurrent callers share group commits; receipts follow call order; the log verifies', async () => {
  const stateDir = tempDir();
  const log = await openAuditLog({ stateDir, signer: generateSigner(), fsync: 5, checkpointEvery: 100 });
  const receipts = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append({ type: 'tool.call', actor: 'alice', subject: `t${i}`, data: { i } })));
  for (let i = 1; i < receipts.length; i++) assert.ok(receipts[i]!.seq > receipts[i - 1]!.seq);
  await log.close();
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.records, 1 + 500 + 5 + 1); // key, records, 5 checkpoints, closing checkpoint
  const file = listSegments(auditDirOf(stateDir))[0]!.path;
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('data, actor and subject pass through the redaction engine', async () => {
  const stateDir = tempDir();
  const token = ['AKIA', 'Z7QW', 'X4RT', 'N2PL', 'KJHM'].join('');
  const log = await openAuditLog({ stateDir, signer: generateSigner() });
  await log.append({ type: 'secret.access', actor: 'alice', subject: `https://x:${token}@example.com`, data: { password: 'hunter2', note: `token ${token}` } });
  await log.close();
  const text = readLines(listSegments(auditDirOf(stateDir))[0]!.path).join('\n');
  assert.equal(text.includes(token), false);
  assert.equal(text.includes('hunter2'), false);
});

test('segments rotate by size and the chain continues across them; each segment starts with audit.key', async () => {
  const stateDir = tempDir();
  await writeLog(stateDir, generateSigner(), 60, { segmentBytes: 2048 });
  const segments = listSegments(auditDirOf(stateDir));
  assert.ok(segments.length >= 3);
  for (const segment of segments) assert.equal(record(readLines(segment.path)[0]!).type, 'audit.key');
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.ok, true, JSON.stringify(report.problem));
});

test('a torn last line is cut on open, recorded in audit.recovery, and verify passes again', async () => {
  const stateDir = tempDir();
  const signer = generateSigner();
  const file = await writeLog(stateDir, signer, 12);
  appendFileSync(file, '{"actor":"alice","data":{"i":9');
  const torn = verifyLog(auditDirOf(stateDir));
  assert.equal(torn.problem?.kind, 'truncated');
  const log = await openAuditLog({ stateDir, signer });
  await log.close();
  const recovery = [...readRecords(auditDirOf(stateDir))].find(({ record }) => record.type === 'audit.recovery')?.record;
  assert.ok(recovery !== undefined);
  assert.equal(recovery.data.cutBytes, '{"actor":"alice","data":{"i":9'.length);
  assert.match(String(recovery.data.reason), /torn write/);
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.ok(report.notes.some((note) => note.includes('recovery')));
});

test('a log that ended without a closing checkpoint (crash) gets an unclean-shutdown recovery record', async () => {
  const stateDir = tempDir();
  const signer = generateSigner();
  const file = await writeLog(stateDir, signer, 7);
  const lines = readLines(file);
  const { writeLines } = await import('./helpers.js');
  writeLines(file, lines.slice(0, -1)); // as if killed before the closing checkpoint
  assert.equal(verifyLog(auditDirOf(stateDir)).problem?.kind, 'truncated');
  const log = await openAuditLog({ stateDir, signer });
  await log.close();
  assert.ok(types(stateDir).includes('audit.recovery'));
  assert.equal(verifyLog(auditDirOf(stateDir)).ok, true);
});

test('retention deletes whole old segments, records what it deleted, and verify still passes', async () => {
  const stateDir = tempDir();
  const signer = generateSigner();
  let clock = Date.parse('2025-01-01T00:00:00Z');
  await writeLog(stateDir, signer, 60, { segmentBytes: 2048, now: () => clock });
  const before = listSegments(auditDirOf(stateDir));
  clock += 100 * 86_400_000;
  const log = await openAuditLog({ stateDir, signer, retentionDays: 90, segmentBytes: 2048, now: () => clock });
  await log.close();
  const after = listSegments(auditDirOf(stateDir));
  assert.ok(after.length <= 2);
  assert.equal(after[0]!.index, before[before.length - 1]!.index);
  const retention = [...readRecords(auditDirOf(stateDir))].find(({ record }) => record.type === 'audit.retention')?.record;
  assert.ok(retention !== undefined);
  assert.equal((retention.data.deleted as unknown[]).length, before.length - 1); // never the current segment
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.ok(report.notes.some((note) => note.includes('deleted by retention')));
});

test('deleting the oldest segment by hand (no retention record) is reported as deleted', async () => {
  const stateDir = tempDir();
  await writeLog(stateDir, generateSigner(), 60, { segmentBytes: 2048 });
  const { unlinkSync } = await import('node:fs');
  unlinkSync(listSegments(auditDirOf(stateDir))[0]!.path);
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.problem?.kind, 'deleted');
});

test('opening with a different signing key is refused (the log would no longer verify)', async () => {
  const stateDir = tempDir();
  await writeLog(stateDir, generateSigner(), 3);
  await assert.rejects(openAuditLog({ stateDir, signer: generateSigner() }), (error: unknown) => error instanceof BulwarkError && error.code === 'BWK_AUDIT_UNAVAILABLE' && /not the key this log is signed with/.test(error.message));
});

test('one writer per log: a second open while the first is open fails with BWK_AUDIT_UNAVAILABLE', async () => {
  const stateDir = tempDir();
  const signer = generateSigner();
  const log = await openAuditLog({ stateDir, signer });
  await assert.rejects(openAuditLog({ stateDir, signer }), (error: unknown) => error instanceof BulwarkError && error.code === 'BWK_AUDIT_UNAVAILABLE');
  await log.close();
  const again = await openAuditLog({ stateDir, signer });
  await again.close();
});

test('fail closed: when the log cannot be written, append rejects with BWK_AUDIT_UNAVAILABLE, the reason is logged, and later appends are refused', async (t) => {
  if (!readdirSync('/dev').includes('full')) {
    t.skip('no /dev/full');
    return;
  }
  const stateDir = tempDir();
  mkdirSync(auditDirOf(stateDir), { recursive: true });
  symlinkSync('/dev/full', join(auditDirOf(stateDir), 'audit-000001.jsonl'));
  const logged: { object: Record<string, unknown>; message: string }[] = [];
  const log: AuditLog = await openAuditLog({ stateDir, signer: generateSigner(), logger: { error: (object, message) => logged.push({ object, message }) } });
  await assert.rejects(log.append({ type: 'tool.call', actor: 'a', subject: 's' }), (error: unknown) => error instanceof BulwarkError && error.code === 'BWK_AUDIT_UNAVAILABLE' && error.exitCode === 125);
  await assert.rejects(log.append({ type: 'tool.call', actor: 'a', subject: 's' }), (error: unknown) => error instanceof BulwarkError && error.code === 'BWK_AUDIT_UNAVAILABLE');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.object.reason, 'ENOSPC');
  await assert.rejects(log.close());
});

test('callers wait when the writer falls behind; nothing is dropped', async () => {
  const stateDir = tempDir();
  const log = await openAuditLog({ stateDir, signer: generateSigner(), fsync: 2, maxPending: 8, checkpointEvery: 1000 });
  const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append({ type: 'x', actor: 'a', subject: String(i) })));
  assert.equal(new Set(receipts.map((receipt) => receipt.seq)).size, 200);
  await log.close();
  const subjects = [...readRecords(auditDirOf(stateDir))].filter(({ record }) => record.type === 'x').map(({ record }) => record.subject);
  assert.deepEqual(subjects, Array.from({ length: 200 }, (_, i) => String(i)));
  assert.equal(verifyLog(auditDirOf(stateDir)).ok, true);
});

test('policy changes: the first start records the policy, an unchanged one nothing, a change the diff with secrets masked', async () => {
  const stateDir = tempDir();
  const signer = generateSigner();
  const load = (document: unknown): Parameters<typeof auditPolicyOnStart>[1] => ({ ...validatePolicyDocument(document, '/etc/bulwark.config.json', {}), file: '/etc/bulwark.config.json' });
  const first = load({ version: 1 });
  const changed = load({ version: 1, audit: { retentionDays: 30, sinks: [{ url: 'https://audit.example.com/ingest?token=s3cr3t-Value-123' }] } });
  const start = async (loaded: Parameters<typeof auditPolicyOnStart>[1]): Promise<unknown> => {
    const log = await openAuditLog({ stateDir, signer });
    const receipt = await auditPolicyOnStart(log, loaded);
    await log.close();
    return receipt;
  };
  assert.notEqual(await start(first), null);
  assert.equal(await start(first), null);
  assert.notEqual(await start(changed), null);
  const changes = [...readRecords(auditDirOf(stateDir))].filter(({ record }) => record.type === 'policy.change');
  assert.equal(changes.length, 2);
  const last = changes[1]!;
  assert.equal(last.line.includes('s3cr3t-Value-123'), false);
  const diff = last.record.data.changes as { path: string; old: unknown; new: unknown }[];
  assert.deepEqual(diff.find((change) => change.path === '/audit/retentionDays'), { path: '/audit/retentionDays', old: 90, new: 30 });
  assert.ok(diff.some((change) => change.path.startsWith('/audit/sinks') && JSON.stringify(change.new).includes('*****')));
  assert.equal(last.record.data.previous, changes[0]!.record.data.policy);
  assert.equal(verifyLog(auditDirOf(stateDir)).ok, true);
});

test('lastRecords reads the newest records across segments', async () => {
  const stateDir = tempDir();
  await writeLog(stateDir, generateSigner(), 60, { segmentBytes: 2048 });
  const last = lastRecords(auditDirOf(stateDir), 25);
  assert.equal(last.length, 25);
  for (let i = 1; i < last.length; i++) assert.equal(last[i]!.record.seq, last[i - 1]!.record.seq + 1);
  assert.equal(last[24]!.record.type, 'audit.checkpoint');
});
