import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditDirOf, buildRecord, fileSigner, generateSigner, openAuditLog } from '../../src/audit/index.js';
import { readLines, rechain, record, writeLines, writeLog } from '../audit/helpers.js';
import { runCli, tempDir } from './helpers.js';

/** A closed log of 20 records (checkpoint every 5) signed with the state folder's key file. */
async function freshLog(): Promise<{ stateDir: string; file: string; lines: string[] }> {
  const stateDir = tempDir();
  const file = await writeLog(stateDir, fileSigner(join(stateDir, 'signing-key.pem')), 20);
  return { stateDir, file, lines: readLines(file) };
}

function verify(stateDir: string, ...extra: string[]): ReturnType<typeof runCli> {
  return runCli(['audit', 'verify', '--state-dir', stateDir, ...extra]);
}

function verifyJson(stateDir: string, ...extra: string[]): { status: number | null; report: { ok: boolean; problem: { kind: string; seq: number; message: string } | null; notes: string[]; records: number } } {
  const result = verify(stateDir, '--json', ...extra);
  return { status: result.status, report: JSON.parse(result.stdout) as never };
}

test('verify passes on an intact log and says the key is not pinned', async () => {
  const { stateDir } = await freshLog();
  const result = verify(stateDir);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ok: the chain, every hash and every checkpoint signature verify/);
  assert.match(result.stdout, /not pinned: someone who rewrites the whole log can re-sign it/);
});

test('tamper: a modified field is reported as modified, naming the record', async () => {
  const { stateDir, file, lines } = await freshLog();
  lines[6] = lines[6]!.replace('"decision":"allow"', '"decision":"deny"').replace('"decision":"deny","hash"', '"decision":"deny","hash"');
  assert.notEqual(lines[6], readLines(file)[6]);
  writeLines(file, lines);
  const result = verify(stateDir);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /BWK_AUDIT_VERIFY_FAILED: modified at seq 7: record seq 7 \(audit-000001\.jsonl:7\) was modified/);
});

test('tamper: a modified record re-hashed along the whole chain still fails at the next checkpoint signature', async () => {
  const { stateDir, file, lines } = await freshLog();
  lines[6] = lines[6]!.replace('"decision":"allow"', '"decision":"deny"');
  writeLines(file, rechain(lines));
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'bad signature');
  assert.equal(record(lines[report.problem.seq - 1]!).type, 'audit.checkpoint');
  assert.ok(report.problem.seq > 7);
});

test('tamper: a deleted record is reported as deleted, naming the missing seq', async () => {
  const { stateDir, file, lines } = await freshLog();
  writeLines(file, [...lines.slice(0, 8), ...lines.slice(9)]);
  const result = verify(stateDir);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /deleted at seq 9: record seq 9 was deleted/);
});

test('tamper: two swapped records are reported as reordered', async () => {
  const { stateDir, file, lines } = await freshLog();
  const swapped = [...lines];
  [swapped[8], swapped[9]] = [lines[9]!, lines[8]!];
  writeLines(file, swapped);
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'reordered');
  assert.equal(report.problem.seq, 9);
});

test('tamper: records cut off after the last checkpoint are reported as truncated', async () => {
  const { stateDir, file, lines } = await freshLog();
  // The log ends: ..., checkpoint, r, r, closing checkpoint. Drop the closing checkpoint and one record.
  const cut = lines.slice(0, -2);
  writeLines(file, cut);
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'truncated');
  assert.equal(report.problem.seq, record(cut[cut.length - 1]!).seq);
  assert.match(report.problem.message, /cut off/);
});

test('tamper: a checkpoint with a bad signature is reported as bad signature', async () => {
  const { stateDir, file, lines } = await freshLog();
  const index = lines.findIndex((line) => record(line).type === 'audit.checkpoint');
  const forged = record(lines[index]!);
  lines[index] = buildRecord({ ...forged, data: { ...forged.data, signature: generateSigner().sign(Buffer.from('x')).toString('base64') } }).line.slice(0, -1);
  writeLines(file, lines);
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'bad signature');
  assert.equal(report.problem.seq, forged.seq);
});

test('tamper: a record appended after the closing checkpoint is reported as unsigned', async () => {
  const { stateDir, file, lines } = await freshLog();
  const last = record(lines[lines.length - 1]!);
  const extra = buildRecord({ seq: last.seq + 1, time: last.time, type: 'tool.call', actor: 'mallory', subject: 'x', decision: 'allow', rule: null, data: {}, prev: last.hash });
  appendFileSync(file, extra.line);
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'unsigned');
  assert.equal(report.problem.seq, last.seq + 1);
});

test('tamper: a whole log re-signed with another key passes unpinned (as the output warns) and fails with --public-key', async () => {
  const { stateDir, file, lines } = await freshLog();
  const publicKey = runCli(['audit', 'public-key', '--state-dir', stateDir]);
  assert.equal(publicKey.status, 0, publicKey.stderr);
  assert.match(publicKey.stdout, /BEGIN PUBLIC KEY/);
  const pin = join(tempDir(), 'audit-key.pem');
  writeFileSync(pin, publicKey.stdout);
  assert.equal(verify(stateDir, '--public-key', pin).status, 0);
  writeLines(file, rechain(lines.map((line) => line.replace('"decision":"deny"', '"decision":"allow"')), generateSigner()));
  assert.equal(verify(stateDir).status, 0);
  const { status, report } = verifyJson(stateDir, '--public-key', pin);
  assert.equal(status, 1);
  assert.equal(report.problem?.kind, 'bad signature');
  assert.equal(report.problem.seq, 1);
  assert.match(report.problem.message, /not the pinned key/);
});

test('a torn last line fails verify as truncated until the log is opened again', async () => {
  const { stateDir, file } = await freshLog();
  appendFileSync(file, '{"actor":"al');
  const torn = verifyJson(stateDir);
  assert.equal(torn.report.problem?.kind, 'truncated');
  // Opening the log for writing (as every writer does) recovers it.
  await (await openAuditLog({ stateDir, signer: fileSigner(join(stateDir, 'signing-key.pem')) })).close();
  const { status, report } = verifyJson(stateDir);
  assert.equal(status, 0, JSON.stringify(report.problem));
  assert.ok(report.notes.some((note) => note.includes('torn')));
});

test('tail, query and export read the log', async () => {
  const { stateDir } = await freshLog();
  const tail = runCli(['audit', 'tail', '-n', '3', '--state-dir', stateDir]);
  assert.equal(tail.status, 0, tail.stderr);
  assert.equal(tail.stdout.trim().split('\n').length, 3);
  assert.match(tail.stdout, /audit\.checkpoint/);
  const query = runCli(['audit', 'query', '--type', 'tool.call', '--actor', 'bob', '--decision', 'deny', '--json', '--state-dir', stateDir]);
  assert.equal(query.status, 0, query.stderr);
  const found = query.stdout.trim().split('\n').map((line) => record(line));
  assert.deepEqual(found.map((r) => r.subject), ['tool-3', 'tool-9', 'tool-15']);
  const none = runCli(['audit', 'query', '--until', '2000-01-01', '--state-dir', stateDir]);
  assert.equal(none.stdout, '');
  const csv = runCli(['audit', 'export', '--format', 'csv', '--type', 'tool.call', '--state-dir', stateDir]);
  assert.equal(csv.status, 0, csv.stderr);
  const rows = csv.stdout.trim().split('\n');
  assert.equal(rows[0], 'seq,time,type,actor,subject,decision,rule,data,prev,hash');
  assert.equal(rows.length, 21);
  assert.match(rows[1]!, /^2,[^,]+,tool\.call,alice,tool-0,deny,test\.rule,"\{""i"":0\}",/);
  const jsonl = runCli(['audit', 'export', '--state-dir', stateDir]);
  assert.equal(jsonl.stdout, readLines(join(auditDirOf(stateDir), 'audit-000001.jsonl')).map((line) => `${line}\n`).join(''));
  const bad = runCli(['audit', 'export', '--format', 'xml', '--state-dir', stateDir]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BWK_USAGE/);
});

test('prune records the policy on first open and deletes nothing young; the signing key lives in the vault', () => {
  const stateDir = tempDir();
  const env = { HOME: tempDir(), BULWARK_MASTER_KEY: randomBytes(32).toString('base64') };
  const result = runCli(['audit', 'prune', '--state-dir', stateDir, '--json'], { env });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual((JSON.parse(result.stdout) as { deleted: unknown[] }).deleted, []);
  assert.equal(existsSync(join(stateDir, 'signing-key.pem')), false, 'no private key file next to the log');
  const list = runCli(['secrets', 'list', '--json'], { env });
  assert.match(list.stdout, /bulwark\.audit-signing-key/);
  const types = readFileSync(join(auditDirOf(stateDir), 'audit-000001.jsonl'), 'utf8').trim().split('\n').map((line) => record(line).type);
  assert.deepEqual(types, ['audit.key', 'policy.change', 'audit.checkpoint']);
  assert.equal(verify(stateDir).status, 0);
  // A second start with the same policy (and the same key, from the vault) writes no policy.change.
  const second = runCli(['audit', 'prune', '--state-dir', stateDir], { env });
  assert.equal(second.status, 0, second.stderr);
  const again = readFileSync(join(auditDirOf(stateDir), 'audit-000001.jsonl'), 'utf8').trim().split('\n').map((line) => record(line).type);
  assert.equal(again.filter((type) => type === 'policy.change').length, 1);
  const publicKey = runCli(['audit', 'public-key', '--state-dir', stateDir]);
  assert.match(publicKey.stdout, /BEGIN PUBLIC KEY/);
});

test('prune without any way to unlock a vault refuses, naming the fix', () => {
  const result = runCli(['audit', 'prune', '--state-dir', tempDir()], { env: { HOME: tempDir() } });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /BWK_/);
  assert.match(result.stderr, /fix:/);
});

test('verify while a writer has the log open notes the unsigned tail instead of failing', async () => {
  const stateDir = tempDir();
  const log = await openAuditLog({ stateDir, signer: generateSigner() });
  await log.append({ type: 'tool.call', actor: 'a', subject: 's' });
  const { status, report } = verifyJson(stateDir);
  await log.close();
  assert.equal(status, 0, JSON.stringify(report.problem));
  assert.ok(report.notes.some((note) => note.includes('a writer has the log open')));
});
