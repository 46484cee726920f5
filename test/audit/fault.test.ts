import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auditDirOf, fileSigner, openAuditLog, readRecords, verifyLog } from '../../src/audit/index.js';
import { tempDir } from '../cli/helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/writer-child.js', import.meta.url));

/** Runs the writer child until it has printed `wanted` receipts, then kills it with SIGKILL. */
function runAndKill(stateDir: string, wanted: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, stateDir], { env: { ...process.env, BULWARK_AUDIT_FAULT_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length > wanted) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer child exited without being killed: ${err}`));
      // Only complete lines were returned appends; a line cut by the kill is not counted.
      else resolve(out.split('\n').slice(0, -1).filter((line) => line !== 'ready'));
    });
  });
}

test('kill -9 under load: every append that returned is in the log, the torn tail is recovered, and verify passes', async () => {
  const stateDir = tempDir();
  const printed = await runAndKill(stateDir, 2000);
  assert.ok(printed.length >= 2000);
  const log = await openAuditLog({ stateDir, signer: fileSigner(join(stateDir, 'signing-key.pem')) });
  await log.close();
  const report = verifyLog(auditDirOf(stateDir));
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  const hashes = new Map<number, string>();
  const recoveries: unknown[] = [];
  for (const { record } of readRecords(auditDirOf(stateDir))) {
    hashes.set(record.seq, record.hash);
    if (record.type === 'audit.recovery') recoveries.push(record.data);
  }
  assert.equal(recoveries.length, 1);
  for (const line of printed) {
    const [seq, hash] = line.split(' ');
    assert.equal(hashes.get(Number(seq)), hash, `seq ${seq ?? ''} was returned to the caller but is not in the log`);
  }
});
