/**
 * `bulwark doctor [--json]`: what this kernel offers the sandbox (user namespaces, Landlock,
 * seccomp, cgroup v2 delegation, AppArmor's userns restriction), read from /proc/sys and /sys,
 * the sandbox level that follows, and a remedy for each missing item.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import type { Command } from 'commander';

export interface DoctorCheck {
  readonly name: string;
  /** The raw value read, or null when the file is absent. */
  readonly value: string | null;
  readonly ok: boolean;
  readonly detail: string;
  readonly remedy?: string;
}

function read(file: string): string | null {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed /proc and /sys paths
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function doctorChecks(): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const clone = read('/proc/sys/kernel/unprivileged_userns_clone');
  if (clone !== null) {
    checks.push({ name: 'kernel.unprivileged_userns_clone', value: clone, ok: clone === '1', detail: 'unprivileged user namespaces (Debian/Ubuntu switch)', ...(clone === '1' ? {} : { remedy: 'sysctl -w kernel.unprivileged_userns_clone=1' }) });
  }
  const maxNs = read('/proc/sys/user/max_user_namespaces');
  const nsOk = maxNs !== null && Number(maxNs) > 0;
  checks.push({ name: 'user.max_user_namespaces', value: maxNs, ok: nsOk, detail: 'user namespaces available', ...(nsOk ? {} : { remedy: 'sysctl -w user.max_user_namespaces=15000' }) });
  const apparmor = read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (apparmor !== null) {
    checks.push({ name: 'kernel.apparmor_restrict_unprivileged_userns', value: apparmor, ok: apparmor !== '1', detail: 'AppArmor restriction of unprivileged user namespaces', ...(apparmor === '1' ? { remedy: 'add an AppArmor profile allowing userns for dist/native/bulwark-sandbox, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' } : {}) });
  }
  const lsm = read('/sys/kernel/security/lsm');
  const landlock = lsm === null ? null : lsm.split(',').includes('landlock');
  checks.push({
    name: 'landlock',
    value: lsm,
    ok: landlock !== false,
    detail: landlock === null ? 'unknown: /sys/kernel/security/lsm is not readable (securityfs not mounted); the helper checks Landlock at start and refuses if absent' : landlock ? 'Landlock LSM enabled' : 'Landlock LSM not enabled',
    ...(landlock === false ? { remedy: 'boot with lsm=...,landlock (Linux >= 5.13)' } : {}),
  });
  const actions = read('/proc/sys/kernel/seccomp/actions_avail');
  const status = read('/proc/self/status');
  const seccompField = status === null ? null : (/^Seccomp:\s*(\d+)/m.exec(status)?.[1] ?? null);
  const seccompOk = actions !== null ? actions.split(/\s+/).includes('kill_process') || actions.includes('errno') : seccompField !== null;
  checks.push({ name: 'seccomp', value: actions ?? seccompField, ok: seccompOk, detail: 'seccomp filters', ...(seccompOk ? {} : { remedy: 'use a kernel built with CONFIG_SECCOMP_FILTER' }) });
  const controllers = read('/sys/fs/cgroup/cgroup.controllers');
  checks.push({ name: 'cgroup v2', value: controllers, ok: controllers !== null, detail: controllers === null ? 'no unified cgroup hierarchy at /sys/fs/cgroup' : `controllers: ${controllers}`, ...(controllers === null ? { remedy: 'boot with systemd.unified_cgroup_hierarchy=1' } : {}) });
  const cgroupLine = read('/proc/self/cgroup')?.split('\n').find((line) => line.startsWith('0::'));
  const cgroupPath = cgroupLine === undefined ? null : `/sys/fs/cgroup${cgroupLine.slice(3)}`;
  const delegated = cgroupPath !== null && writable(`${cgroupPath}/cgroup.procs`) && writable(`${cgroupPath}/cgroup.subtree_control`);
  checks.push({ name: 'cgroup delegated', value: cgroupPath, ok: delegated, detail: delegated ? 'the current cgroup is writable (process and memory limits via cgroups possible; not applied yet)' : 'the current cgroup is not writable', ...(delegated ? {} : { remedy: 'run under a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes bulwark ...' }) });
  return checks;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report which sandbox layers this machine can enforce, with a remedy for each missing one')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) => {
      const checks = doctorChecks();
      const userns = checks.filter((check) => check.name.includes('userns') || check.name === 'user.max_user_namespaces').every((check) => check.ok);
      const core = userns && checks.filter((check) => check.name === 'landlock' || check.name === 'seccomp').every((check) => check.ok);
      const level = core ? 'strict' : userns ? 'standard (needs sandbox.allowWeaker)' : 'unavailable';
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ level, checks }, null, 2)}\n`);
        return;
      }
      for (const check of checks) {
        process.stdout.write(`${check.ok ? 'ok  ' : 'MISS'} ${check.name}: ${check.detail}${check.value === null ? '' : ` [${check.value}]`}\n`);
        if (check.remedy !== undefined) process.stdout.write(`     remedy: ${check.remedy}\n`);
      }
      process.stdout.write(`sandbox level: ${level}\n`);
    });
}
