import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

// The vault and the audit log together: every secret read and change is audited, never with the value.
test('secrets set and get write audit records (name and requester, never the value) and verify passes', () => {
  const home = tempDir();
  const env = { HOME: home, BULWARK_MASTER_KEY: randomBytes(32).toString('base64') };
  const value = `canary-${randomBytes(12).toString('hex')}`;
  const set = runCli(['secrets', 'set', 'DEPLOY_TOKEN'], { env, input: value });
  assert.equal(set.status, 0, set.stderr);
  const get = runCli(['secrets', 'get', 'DEPLOY_TOKEN', '--reveal'], { env });
  assert.equal(get.status, 0, get.stderr);
  assert.equal(get.stdout.trim(), value);

  const auditDir = join(home, '.local', 'state', 'bulwark', 'audit');
  const log = readdirSync(auditDir)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readFileSync(join(auditDir, name), 'utf8'))
    .join('');
  assert.equal(log.includes(value), false, 'the value is not in the audit log');
  assert.equal(log.includes(Buffer.from(value).toString('base64')), false);
  const records = log.trim().split('\n').map((line) => JSON.parse(line) as { type: string; actor: string; subject: string });
  assert.ok(records.some((r) => r.type === 'secret.access' && r.subject === 'DEPLOY_TOKEN' && r.actor === 'cli'), JSON.stringify(records.map((r) => r.type)));
  assert.ok(records.some((r) => r.type === 'secret.set' && r.subject === 'DEPLOY_TOKEN'));
  assert.ok(records.some((r) => r.type === 'policy.change'));

  const verify = runCli(['audit', 'verify', '--json'], { env });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});
