import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir } from './helpers.js';

const HELPER = fileURLToPath(new URL('../../native/bulwark-sandbox', import.meta.url));
const skip = process.platform === 'linux' && existsSync(HELPER) ? false : 'the sandbox helper is Linux-only';

/** A working folder with a policy that accepts running as root without the nproc limit. */
function workDir(): string {
  const dir = tempDir('bulwark-run-');
  writeFileSync(join(dir, 'bulwark.config.json'), JSON.stringify({ sandbox: { allowWeaker: true, defaultLimits: { memoryMb: 2048 } } }), { mode: 0o600 });
  return dir;
}

test('runs a command and propagates its exit status', { skip }, () => {
  const cwd = workDir();
  const hi = runCli(['run', '--', '/bin/echo', 'hi'], { cwd });
  assert.equal(hi.status, 0, hi.stderr);
  assert.equal(hi.stdout, 'hi\n');
  assert.equal(runCli(['run', '--', '/bin/sh', '-c', 'exit 7'], { cwd }).status, 7);
  assert.equal(runCli(['run', '--', 'no-such-command-xyz'], { cwd }).status, 127);
});

test('reads only granted paths; writes only to write grants', { skip }, () => {
  const cwd = workDir();
  const data = join(cwd, 'data');
  const out = join(cwd, 'out');
  mkdirSync(data);
  mkdirSync(out);
  writeFileSync(join(data, 'f.txt'), 'secret-data');
  assert.notEqual(runCli(['run', '--', '/bin/cat', join(data, 'f.txt')], { cwd }).status, 0);
  writeFileSync(join(cwd, 'bulwark.manifest.json'), JSON.stringify({ name: 'p', version: '1.0.0', permissions: { filesystem: { read: ['./data'], write: ['./out'] } } }));
  const read = runCli(['run', '--manifest', 'bulwark.manifest.json', '--', '/bin/cat', join(data, 'f.txt')], { cwd });
  assert.equal(read.status, 0, read.stderr);
  assert.equal(read.stdout, 'secret-data');
  const write = runCli(['run', '--manifest', 'bulwark.manifest.json', '--', '/bin/sh', '-c', `echo ok > ${join(out, 'r.txt')}`], { cwd });
  assert.equal(write.status, 0, write.stderr);
  assert.equal(readFileSync(join(out, 'r.txt'), 'utf8'), 'ok\n');
  assert.notEqual(runCli(['run', '--manifest', 'bulwark.manifest.json', '--', '/bin/sh', '-c', `echo no > ${join(data, 'w.txt')}`], { cwd }).status, 0);
  assert.equal(existsSync(join(data, 'w.txt')), false);
});

test('--explain lists grants with sources and exits 0', { skip }, () => {
  const cwd = workDir();
  mkdirSync(join(cwd, 'data'));
  writeFileSync(join(cwd, 'bulwark.manifest.json'), JSON.stringify({ name: 'p', version: '1.0.0', permissions: { filesystem: { read: ['./data'] } } }));
  const result = runCli(['run', '--manifest', 'bulwark.manifest.json', '--explain', '--', '/bin/echo'], { cwd });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ro {2}\/usr {2}\(implicit: runtime/);
  assert.match(result.stdout, /manifest: permissions\.filesystem\.read\[0\]/);
  assert.match(result.stdout, /landlock/);
  const json = runCli(['run', '--manifest', 'bulwark.manifest.json', '--explain', '--json', '--', '/bin/echo'], { cwd });
  const report = JSON.parse(json.stdout) as { grants: { source: string }[] };
  assert.ok(report.grants.some((grant) => grant.source === 'manifest: permissions.filesystem.read[0]'));
});

test('an invalid manifest is a usage error naming the JSON path', { skip }, () => {
  const cwd = workDir();
  writeFileSync(join(cwd, 'm.json'), JSON.stringify({ name: 'p', version: '1.0.0', permissions: { filesytem: {} } }));
  const result = runCli(['run', '--manifest', 'm.json', '--', '/bin/echo'], { cwd });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /\/permissions\/filesytem/);
  assert.match(result.stderr, /did you mean "filesystem"/);
});

test('root without allowWeaker fails closed with 125', { skip: skip === false && process.getuid?.() === 0 ? false : 'needs root' }, () => {
  const result = runCli(['run', '--', '/bin/echo', 'hi']);
  assert.equal(result.status, 125);
  assert.match(result.stderr, /allowWeaker/);
});

test('a node script runs and cannot read the home folder', { skip }, () => {
  const cwd = workDir();
  const home = join(cwd, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'PRIVATE');
  writeFileSync(join(cwd, 'script.cjs'), `const fs = require('fs'); let r; try { r = fs.readFileSync(${JSON.stringify(join(home, '.ssh', 'id_rsa'))}, 'utf8'); } catch (e) { r = e.code; } console.log('read:' + r);`);
  const result = runCli(['run', '--', 'node', 'script.cjs'], { cwd, env: { HOME: home } });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'read:ENOENT\n');
});

test('doctor --json reports the kernel checks and a level', () => {
  const result = runCli(['doctor', '--json']);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { level: string; checks: { name: string; ok: boolean; detail: string }[] };
  assert.equal(typeof report.level, 'string');
  const names = report.checks.map((check) => check.name);
  for (const name of ['user.max_user_namespaces', 'landlock', 'seccomp', 'cgroup v2', 'cgroup delegated']) assert.ok(names.includes(name), name);
});
