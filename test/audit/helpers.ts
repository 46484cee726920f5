import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditDirOf, buildRecord, checkpointMessage, encodePublicKey, keyFingerprint, openAuditLog, parseRecord, type AuditRecord, type AuditSigner, type OpenAuditLogOptions } from '../../src/audit/index.js';

/** Writes `count` tool.call records and closes the log; returns the segment file. */
export async function writeLog(stateDir: string, signer: AuditSigner, count: number, options: Partial<OpenAuditLogOptions> = {}): Promise<string> {
  const log = await openAuditLog({ stateDir, signer, fsync: 1, checkpointEvery: 5, ...options });
  for (let i = 0; i < count; i++) await log.append({ type: 'tool.call', actor: i % 2 === 0 ? 'alice' : 'bob', subject: `tool-${i}`, decision: i % 3 === 0 ? 'deny' : 'allow', rule: 'test.rule', data: { i } });
  await log.close();
  return join(auditDirOf(stateDir), 'audit-000001.jsonl');
}

export function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

export function writeLines(file: string, lines: readonly string[]): void {
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
}

export function record(line: string): AuditRecord {
  const parsed = parseRecord(line);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

/**
 * What an attacker without the key can do: rebuild every hash and prev from the records given,
 * so the chain itself is consistent again. With `signer`, also re-sign (an attacker with a key of
 * their own rewriting the whole log).
 */
export function rechain(lines: readonly string[], signer?: AuditSigner): string[] {
  let prev: string | null = null;
  let seq = 0;
  return lines.map((line) => {
    const r = record(line);
    seq = seq === 0 ? r.seq : seq + 1;
    let data: Record<string, unknown> = r.data;
    if (signer !== undefined && r.type === 'audit.key') data = { ...data, publicKey: encodePublicKey(signer.publicKey), fingerprint: keyFingerprint(signer.publicKey) };
    if (signer !== undefined && r.type === 'audit.checkpoint') {
      const message = checkpointMessage({ seq, time: r.time, prev, count: r.data.count as number, final: r.data.final === true });
      data = { ...data, signature: signer.sign(message).toString('base64') };
    }
    const built = buildRecord({ ...r, seq, prev, data });
    prev = built.hash;
    return built.line.slice(0, -1);
  });
}
