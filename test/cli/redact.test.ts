import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

// Built at run time so the repository holds no string a secret scanner would flag.
const AWS_KEY_ID = ['AKIA', 'Z7QW', 'X4RT', 'N2PL', 'KJHM'].join('');
const CANARY = 'canary-Zp4Lq8Vt2Rm6';

test('redacts stdin to stdout and exits 0', () => {
  const result = runCli(['redact'], { input: `id=${AWS_KEY_ID}\nmail ann.lee@corp-mail.net\nplain line\n` });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'id=*****\nmail *****\nplain line\n');
});

test('--no-pii keeps e-mail addresses', () => {
  const result = runCli(['redact', '--no-pii'], { input: 'mail ann.lee@corp-mail.net\n' });
  assert.equal(result.stdout, 'mail ann.lee@corp-mail.net\n');
});

test('files are read in order; --json lists findings with rule, line and column, never the secret', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.env'), `# config\nAWS_ACCESS_KEY_ID=${AWS_KEY_ID}\n`);
  writeFileSync(join(dir, 'b.log'), 'nothing here\n');
  const text = runCli(['redact', 'a.env', 'b.log'], { cwd: dir });
  assert.equal(text.stdout, '# config\nAWS_ACCESS_KEY_ID=*****\nnothing here\n');
  const json = runCli(['redact', '--json', 'a.env', 'b.log'], { cwd: dir });
  assert.equal(json.status, 0, json.stderr);
  assert.equal(json.stdout.includes(AWS_KEY_ID), false);
  const report = JSON.parse(json.stdout) as { findings: number; files: { file: string; findings: { ruleId: string; line: number; column: number }[] }[] };
  assert.equal(report.findings, 1);
  const [envFile, logFile] = report.files;
  assert.ok(envFile !== undefined && logFile !== undefined);
  assert.equal(envFile.file, 'a.env');
  assert.deepEqual(envFile.findings.map(({ line, column }) => [line, column]), [[2, 19]]);
  assert.deepEqual(logFile.findings, []);
});

test('a missing file is a clear error with exit 2', () => {
  const result = runCli(['redact', 'nope.txt']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /BWK_IO: cannot read nope\.txt: no such file/);
  assert.match(result.stderr, /fix:/);
});

test('an unknown flag is a usage error with exit 2', () => {
  const result = runCli(['redact', '--bogus']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown option '--bogus'/);
});

test('secrets from sensitive environment variables are masked in output and in error messages', () => {
  const env = { DEPLOY_TOKEN: CANARY };
  const redacted = runCli(['redact'], { input: `value ${CANARY} and ${Buffer.from(CANARY).toString('base64')}\n`, env });
  assert.equal(redacted.stdout.includes(CANARY), false);
  assert.equal(redacted.stdout.includes(Buffer.from(CANARY).toString('base64')), false);
  const failed = runCli(['redact', `/nonexistent/${CANARY}.txt`], { env });
  assert.equal(failed.status, 2);
  assert.equal(failed.stderr.includes(CANARY), false, failed.stderr);
  assert.match(failed.stderr, /\*\*\*\*\*/);
});

test('--list-rules and --rules-schema describe the detectors', () => {
  const list = runCli(['redact', '--list-rules', '--json']);
  assert.equal(list.status, 0, list.stderr);
  const rules = JSON.parse(list.stdout) as { id: string; category: string }[];
  assert.ok(rules.length >= 40);
  assert.ok(rules.some((rule) => rule.category === 'pii'));
  const schema = JSON.parse(runCli(['redact', '--rules-schema']).stdout) as { $schema: string };
  assert.match(schema.$schema, /2020-12/);
});

test('an extra rules file is validated and applied', () => {
  const dir = tempDir();
  const rule = { id: 'acme-key', description: 'ACME internal key', category: 'secret', keywords: ['acme_'], regex: 'acme_[a-z0-9]{12}', maxLength: 17 };
  writeFileSync(join(dir, 'rules.json'), JSON.stringify({ version: 1, rules: [rule] }));
  const ok = runCli(['redact', '--rules', 'rules.json'], { cwd: dir, input: 'k acme_abcdef123456 z\n' });
  assert.equal(ok.stdout, 'k ***** z\n');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 1, rules: [{ ...rule, regx: 'x' }] }));
  const bad = runCli(['redact', '--rules', 'bad.json'], { cwd: dir, input: '' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BWK_REDACT_RULES_INVALID/);
  assert.match(bad.stderr, /regx/);
});

test('--jobs is validated, and --jobs 2 gives the same output as one thread', () => {
  const bad = runCli(['redact', '--jobs', '0'], { input: '' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BWK_USAGE: --jobs must be a whole number from 1 to 64/);
  const input = `API_KEY=${'x1Y2z3'.repeat(4)}\n`.repeat(2000);
  const one = runCli(['redact', '--jobs', '1'], { input });
  const two = runCli(['redact', '--jobs', '2'], { input });
  assert.equal(two.status, 0, two.stderr);
  assert.equal(two.stdout, one.stdout);
  assert.equal(one.stdout, 'API_KEY=*****\n'.repeat(2000));
});
