// Attack tests for the native sandbox helper (native/bulwark-sandbox.c), run against the built
// binary. Every attack has a benign twin that must succeed, so a test cannot pass merely because
// the sandbox breaks everything.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('../../native/bulwark-sandbox', import.meta.url));
const onLinux = process.platform === 'linux' && existsSync(HELPER);
const skip = onLinux ? false : 'the native helper is built on Linux only';

// The runtime the in-sandbox commands need: coreutils, sh, node and their libraries, read-only.
const RUNTIME = [...new Set(['/usr', '/lib', '/lib64', '/bin', dirname(process.execPath)])]
  .filter((path) => existsSync(path))
  .flatMap((path) => ['--ro', path]);
const BASE = [...RUNTIME, '--env', 'PATH=/usr/bin:/bin'];
const HOST_CANARY = 'host-canary-7Fq2Lz';

let work = '';
let probe = '';

function run(args: string[], options: { user?: boolean } = {}): SpawnSyncReturns<string> {
  const argv = options.user ? ['--reuid=65534', '--regid=65534', '--clear-groups', HELPER, ...args] : args;
  const file = options.user ? 'setpriv' : HELPER;
  return spawnSync(file, argv, {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, BULWARK_HOST_CANARY: HOST_CANARY },
  });
}

// A tiny C program that attempts one operation and prints "ok" or the errno name.
const PROBE_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <linux/netlink.h>
static int report(long r) { if (r < 0) { printf("%s\n", strerrorname_np(errno)); return 1; } printf("ok\n"); return 0; }
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *what = argv[1];
  if (!strcmp(what, "ptrace")) return report(ptrace(PTRACE_TRACEME, 0, 0, 0));
  if (!strcmp(what, "unshare")) return report(unshare(CLONE_NEWUSER));
  if (!strcmp(what, "mount")) return report(mount("none", "/tmp", "tmpfs", 0, 0));
  if (!strcmp(what, "netlink")) { int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); return report(fd); }
  if (!strcmp(what, "udp")) { int fd = socket(AF_INET, SOCK_DGRAM, 0); return report(fd); }
  if (!strcmp(what, "io_uring")) return report(syscall(SYS_io_uring_setup, 1, (void *)0));
  if (!strcmp(what, "clone3")) return report(syscall(SYS_clone3, (void *)0, 0));
  if (!strcmp(what, "tiocsti")) { char c = 'x'; int fd = open("/dev/null", O_RDONLY); return report(ioctl(fd, TIOCSTI, &c)); }
  if (!strcmp(what, "getpid")) return report(getpid());
  return 2;
}
`;

// Set up at load time (not in before()) so the skip reasons below can depend on the outcome.
if (onLinux) {
  work = mkdtempSync(join(tmpdir(), 'bulwark-native-'));
  chmodSync(work, 0o755);
  try {
    writeFileSync(join(work, 'probe.c'), PROBE_SOURCE);
    execFileSync('cc', ['-O1', '-o', join(work, 'probe'), join(work, 'probe.c')], { stdio: 'ignore' });
    probe = join(work, 'probe');
  } catch {
    probe = '';
  }
}

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function secretFile(name: string, content: string, mode = 0o644): string {
  const path = join(work, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

test('read outside the grants: a host file not granted is absent; granted --ro it reads', { skip }, () => {
  const secret = secretFile('secret.txt', 'top-secret-value\n');
  const denied = run([...BASE, '--', 'cat', secret]);
  assert.notEqual(denied.status, 0);
  assert.doesNotMatch(denied.stdout, /top-secret-value/);
  assert.match(denied.stderr, /No such file or directory/);
  const allowed = run([...BASE, '--ro', secret, '--', 'cat', secret]);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'top-secret-value\n');
});

test('/etc/shadow is not visible; a granted /etc/passwd is', { skip }, () => {
  const denied = run([...BASE, '--', 'cat', '/etc/shadow']);
  assert.notEqual(denied.status, 0);
  assert.equal(denied.stdout, '');
  const allowed = run([...BASE, '--ro', '/etc/passwd', '--', 'cat', '/etc/passwd']);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.match(allowed.stdout, /^root:/m);
});

test('writes: an --ro path cannot be written, an --rw path can, and the sandbox root is read-only', { skip }, () => {
  const roFile = secretFile('ro.txt', 'original\n');
  const rwDir = join(work, 'out');
  execFileSync('mkdir', ['-p', rwDir]);
  const denied = run([...BASE, '--ro', roFile, '--', 'sh', '-c', `echo changed > ${roFile}`]);
  assert.notEqual(denied.status, 0);
  assert.equal(readFileSync(roFile, 'utf8'), 'original\n');
  const rootWrite = run([...BASE, '--', 'touch', '/planted']);
  assert.notEqual(rootWrite.status, 0);
  const allowed = run([...BASE, '--rw', rwDir, '--', 'sh', '-c', `echo written > ${rwDir}/result.txt`]);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(readFileSync(join(rwDir, 'result.txt'), 'utf8'), 'written\n');
});

test('the host /proc is out of reach: /proc/1 is the sandbox itself, whose environ holds only --env', { skip }, () => {
  const init = run([...BASE, '--env', 'LANG=C', '--', 'cat', '/proc/1/environ']);
  assert.equal(init.status, 0, init.stderr);
  assert.doesNotMatch(init.stdout, new RegExp(HOST_CANARY));
  assert.deepEqual(init.stdout.split('\0').filter(Boolean).sort(), ['LANG=C', 'PATH=/usr/bin:/bin']);
  const cmdline = run([...BASE, '--', 'cat', '/proc/1/cmdline']);
  assert.equal(cmdline.stdout.split('\0')[0], 'cat');
});

test('environment: the command gets exactly the --env entries, nothing from the host', { skip }, () => {
  const result = run([...BASE, '--env', 'TZ=UTC', '--env', 'LANG=C.UTF-8', '--', 'env']);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n').sort(), ['LANG=C.UTF-8', 'PATH=/usr/bin:/bin', 'TZ=UTC']);
  assert.doesNotMatch(result.stdout, new RegExp(HOST_CANARY));
});

test('network: --net none cannot reach a host loopback server that the host itself reaches', { skip }, async () => {
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // the client exits right after connecting
    socket.end('hello\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = `const s = require('node:net').connect(${port}, '127.0.0.1');
s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
s.on('error', (e) => { console.log('ERROR ' + e.code); process.exit(3); });`;
  try {
    const outside = spawn(process.execPath, ['-e', client], { stdio: ['ignore', 'pipe', 'pipe'] });
    let outsideOut = '';
    outside.stdout.on('data', (chunk: Buffer) => (outsideOut += chunk.toString()));
    const outsideCode = await new Promise<number | null>((resolve) => outside.on('close', resolve));
    assert.equal(outsideCode, 0, 'the benign twin (same client, no sandbox) must connect');
    assert.match(outsideOut, /CONNECTED/);
    const inside = run([...BASE, '--net', 'none', '--', process.execPath, '-e', client]);
    assert.equal(inside.status, 3, inside.stderr);
    assert.match(inside.stdout, /ERROR (EACCES|ECONNREFUSED|ENETUNREACH)/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('process creation: fork is denied without --allow-spawn and allowed with it', { skip }, () => {
  const denied = run([...BASE, '--', 'sh', '-c', 'true & wait']);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /fork/i);
  const nodeDenied = run([...BASE, '--', process.execPath, '-e', "const r = require('node:child_process').spawnSync('true'); process.exit(r.error ? 9 : r.status)"]);
  assert.equal(nodeDenied.status, 9, nodeDenied.stderr);
  const allowed = run([...BASE, '--allow-spawn', '--', 'sh', '-c', 'true & wait; echo spawned']);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'spawned\n');
});

const probeSkip = skip || (probe === '' ? 'no C compiler for the probe' : false);

test('seccomp and Landlock: ptrace, unshare, mount, netlink, io_uring, TIOCSTI denied; clone3 is ENOSYS; benign calls work', { skip: probeSkip }, () => {
  const expect: [string, RegExp][] = [
    ['ptrace', /^EPERM$/],
    ['unshare', /^EPERM$/],
    ['mount', /^EPERM$/],
    ['netlink', /^EPERM$/],
    ['io_uring', /^EPERM$/],
    ['tiocsti', /^EPERM$/],
    ['clone3', /^ENOSYS$/],
    ['getpid', /^ok$/],
    ['udp', /^ok$/],
  ];
  for (const [what, pattern] of expect) {
    const result = run([...BASE, '--ro', probe, '--', probe, what]);
    assert.match(result.stdout.trim(), pattern, `${what}: ${result.stdout} ${result.stderr}`);
  }
  // Benign twin: outside the sandbox, ptrace(PTRACE_TRACEME) succeeds.
  assert.equal(execFileSync(probe, ['ptrace'], { encoding: 'utf8' }).trim(), 'ok');
});

test('usage errors: an unknown option exits 125 naming it; a missing command exits 127; a non-executable one 126', { skip }, () => {
  const unknown = run(['--no-such-option', '--', 'true']);
  assert.equal(unknown.status, 125);
  assert.match(unknown.stderr, /^bulwark-sandbox: unknown option: --no-such-option \(fix: /);
  const missing = run([...BASE, '--', 'no-such-command-xyz']);
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /^bulwark-sandbox: cannot find no-such-command-xyz: .*\(fix: /);
  const script = secretFile('not-executable.sh', '#!/bin/sh\necho hi\n', 0o644);
  const noexec = run([...BASE, '--ro', script, '--', script]);
  assert.equal(noexec.status, 126);
  const noCommand = run([...BASE]);
  assert.equal(noCommand.status, 125);
});

test('rlimits: file size, open files and CPU are applied, core dumps are off; without limits the same write works', { skip }, () => {
  const script = 'ulimit -c; ulimit -n; ulimit -t; head -c 2000000 /dev/zero > /tmp/big; echo $?';
  const limited = run([...BASE, '--allow-spawn', '--rlimit-fsize', '1', '--rlimit-nofile', '64', '--rlimit-cpu', '3', '--', 'sh', '-c', script]);
  assert.equal(limited.status, 0, limited.stderr);
  assert.deepEqual(limited.stdout.trim().split('\n'), ['0', '64', '3', String(128 + 25)]); // 25 = SIGXFSZ
  const free = run([...BASE, '--allow-spawn', '--', 'sh', '-c', 'head -c 2000000 /dev/zero > /tmp/big; echo $?']);
  assert.equal(free.stdout, '0\n');
  const bad = run([...BASE, '--rlimit-as', '12abc', '--', 'true']);
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /--rlimit-as/);
});

test('rlimits: --rlimit-nproc is refused for the global root user, where the kernel would not enforce it', { skip: skip || (process.getuid?.() === 0 ? false : 'needs root') }, () => {
  const result = run([...BASE, '--allow-spawn', '--rlimit-nproc', '1', '--', 'true']);
  assert.equal(result.status, 125);
  assert.match(result.stderr, /--rlimit-nproc cannot be enforced for the root user/);
});

test('descriptors: an fd the launcher leaks does not reach the command', { skip }, () => {
  const script = 'if [ -e /proc/self/fd/5 ]; then echo leaked; else echo closed; fi';
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'];
  const outside = spawnSync('sh', ['-c', script], { encoding: 'utf8', stdio });
  assert.equal(outside.stdout, 'leaked\n', 'benign twin: without the sandbox the fd is inherited');
  const inside = spawnSync(HELPER, [...BASE, '--', 'sh', '-c', script], { encoding: 'utf8', stdio });
  assert.equal(inside.status, 0, inside.stderr);
  assert.equal(inside.stdout, 'closed\n');
});

test('symlinks: a grant reached through a symlink planted in an --rw tree is refused; a real path works', { skip }, () => {
  const tree = join(work, 'tree');
  execFileSync('mkdir', ['-p', join(tree, 'real')]);
  writeFileSync(join(tree, 'real', 'file.txt'), 'real\n');
  rmSync(join(tree, 'link'), { force: true });
  execFileSync('ln', ['-s', '/etc', join(tree, 'link')]);
  const planted = run([...BASE, '--rw', tree, '--ro', join(tree, 'link', 'hostname'), '--', 'true']);
  assert.equal(planted.status, 125);
  assert.match(planted.stderr, /symlink/);
  const real = run([...BASE, '--rw', tree, '--ro', join(tree, 'real', 'file.txt'), '--', 'cat', join(tree, 'real', 'file.txt')]);
  assert.equal(real.status, 0, real.stderr);
  assert.equal(real.stdout, 'real\n');
});

test('exit status: the command\'s own status is propagated', { skip }, () => {
  assert.equal(run([...BASE, '--', 'sh', '-c', 'exit 42']).status, 42);
  assert.equal(run([...BASE, '--', 'true']).status, 0);
});

test('signals: SIGTERM is forwarded; a command that ignores it is killed after the grace period (128+9)', { skip }, async () => {
  const child = spawn(HELPER, [...BASE, '--', 'sleep', '30'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 137);
  const handled = spawn(HELPER, [...BASE, '--', process.execPath, '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  handled.kill('SIGTERM');
  assert.equal(await new Promise<number | null>((resolve) => handled.on('close', resolve)), 0);
});

const setprivAvailable = onLinux && spawnSync('setpriv', ['--version']).status === 0;
// Whether this kernel lets an unprivileged user create the namespaces at all.
const userns = setprivAvailable ? run([...BASE, '--', 'true'], { user: true }) : undefined;
const usernsDisabled = userns !== undefined && userns.status === 125 && /cannot create namespaces|cannot write \/proc\/self/.test(userns.stderr);
const userSkip = skip || (!setprivAvailable ? 'util-linux setpriv is not installed' : false);
const userTitle = usernsDisabled
  ? 'as an unprivileged user (nobody): SKIPPED because unprivileged user namespaces are disabled on this kernel'
  : 'as an unprivileged user (nobody): the sandbox starts, hides ungranted files and reads granted ones';

test(userTitle, { skip: userSkip || (usernsDisabled ? 'unprivileged user namespaces are disabled on this kernel' : false) }, () => {
  const id = run([...BASE, '--', 'id', '-u'], { user: true });
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.stdout.trim(), '65534');
  const secret = secretFile('user-secret.txt', 'user-secret\n');
  const denied = run([...BASE, '--', 'cat', secret], { user: true });
  assert.notEqual(denied.status, 0);
  assert.doesNotMatch(denied.stdout, /user-secret/);
  const allowed = run([...BASE, '--ro', secret, '--', 'cat', secret], { user: true });
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'user-secret\n');
  const forkScript = 'true & wait && echo forked';
  const nproc = run([...BASE, '--allow-spawn', '--rlimit-nproc', '1', '--', 'sh', '-c', forkScript], { user: true });
  assert.doesNotMatch(nproc.stdout, /forked/, 'with --rlimit-nproc 1 the shell cannot fork');
  const twin = run([...BASE, '--allow-spawn', '--', 'sh', '-c', forkScript], { user: true });
  assert.equal(twin.stdout, 'forked\n', twin.stderr);
  const env = run([...BASE, '--', 'env'], { user: true });
  assert.equal(env.status, 0, env.stderr);
  assert.doesNotMatch(env.stdout, new RegExp(HOST_CANARY));
});
