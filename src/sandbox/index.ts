/**
 * The launcher: turns a manifest's grants into the argv of the native helper
 * (dist/native/bulwark-sandbox, see native/README.md) and runs the command under it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BulwarkError, EXIT } from '../errors/index.js';
import type { Grant, Manifest, ResolvedGrants } from '../manifest/index.js';
import type { SandboxPolicy } from '../policy/index.js';

/** dist/src/sandbox/index.js → dist/native/bulwark-sandbox. */
export const HELPER_PATH = fileURLToPath(new URL('../../native/bulwark-sandbox', import.meta.url));
export const SANDBOX_HOME = '/home/sandbox';
export const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface EffectiveLimits {
  readonly memoryMb: number;
  readonly cpuSeconds: number;
  /** null: not applied (root without cgroups; only with sandbox.allowWeaker). */
  readonly processes: number | null;
  readonly outputMb: number;
}

export interface LaunchPlan {
  readonly helper: string;
  readonly argv: string[];
  readonly grants: readonly Grant[];
  /** Names passed into the sandbox (values never kept here except in argv). */
  readonly envNames: string[];
  readonly secretNames: string[];
  readonly limits: EffectiveLimits;
  readonly notes: string[];
}

/**
 * The seam for plugin secrets. For now it reads the caller's environment; the vault wiring
 * (allow-lists per requester) replaces this body later.
 */
export function resolvePluginSecrets(names: readonly string[], _requester: string, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) values.set(name, value);
  }
  return values;
}

function limitsFor(manifest: Manifest, policy: SandboxPolicy): { memoryMb: number; cpuSeconds: number; processes: number; outputMb: number } {
  const defaults = policy.defaultLimits;
  const asked = manifest.limits ?? {};
  const pick = (key: 'memoryMb' | 'cpuSeconds' | 'processes' | 'outputMb'): number => {
    const value = asked[key];
    if (value === undefined) return defaults[key];
    if (value > defaults[key]) {
      throw new BulwarkError('BWK_MANIFEST_INVALID', `/limits/${key}: asks for ${value}, more than the policy's sandbox.defaultLimits.${key} (${defaults[key]})`, {
        fix: `lower limits.${key} to at most ${defaults[key]}, or raise sandbox.defaultLimits.${key} in the policy`,
        details: { path: `/limits/${key}` },
      });
    }
    return value;
  };
  return { memoryMb: pick('memoryMb'), cpuSeconds: pick('cpuSeconds'), processes: pick('processes'), outputMb: pick('outputMb') };
}

export interface PlanOptions {
  readonly manifest: Manifest;
  readonly resolved: ResolvedGrants;
  readonly policy: SandboxPolicy;
  readonly env: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly helper?: string;
}

/** Builds the helper's argv; throws when the plan cannot be enforced as the policy requires. */
export function planLaunch(options: PlanOptions): LaunchPlan {
  const { manifest, resolved, policy, env } = options;
  const notes: string[] = [];
  const connect = manifest.permissions?.network?.connect ?? [];
  if (connect.length > 0) {
    throw new BulwarkError('BWK_SANDBOX_UNAVAILABLE', 'network.connect grants need the egress proxy (not yet available)', { fix: 'remove them or run without the sandbox', details: { field: 'permissions.network.connect' } });
  }
  const base = limitsFor(manifest, policy);
  const uid = options.uid ?? process.getuid?.() ?? -1;
  let processes: number | null = base.processes;
  if (uid === 0) {
    if (!policy.allowWeaker) {
      throw new BulwarkError('BWK_SANDBOX_UNAVAILABLE', `the process limit (${base.processes}) cannot be enforced for the root user: the kernel exempts uid 0 from RLIMIT_NPROC and the cgroup pids.max limit is not applied yet`, {
        fix: 'run bulwark as an unprivileged user, or accept a sandbox without the process limit with "sandbox": { "allowWeaker": true } in the policy',
      });
    }
    processes = null;
    notes.push('processes: NOT limited (running as root: RLIMIT_NPROC does not apply to uid 0 and cgroup pids.max is not applied yet; accepted by sandbox.allowWeaker)');
  }
  if (resolved.usesNode && base.memoryMb < 1024) {
    throw new BulwarkError('BWK_USAGE', `node needs at least 1024 MiB of address space, the limit is ${base.memoryMb} MiB (V8 reserves virtual memory up front; memoryMb is enforced as RLIMIT_AS)`, {
      fix: 'set limits.memoryMb to 1024 or more in the manifest (and sandbox.defaultLimits.memoryMb in the policy, which caps it)',
    });
  }
  const limits: EffectiveLimits = { ...base, processes };

  const argv: string[] = [];
  for (const grant of resolved.grants) argv.push(grant.access === 'rw' ? '--rw' : '--ro', grant.path);
  argv.push('--home', SANDBOX_HOME);
  const path = [...resolved.pathPrefix, BASE_PATH].join(':');
  const fixed: [string, string][] = [['PATH', path], ['HOME', SANDBOX_HOME], ['TMPDIR', '/tmp']];
  const envNames = fixed.map(([name]) => name);
  for (const [name, value] of fixed) argv.push('--env', `${name}=${value}`);
  for (const name of manifest.permissions?.env ?? []) {
    const value = env[name];
    if (value === undefined || envNames.includes(name)) continue;
    envNames.push(name);
    argv.push('--env', `${name}=${value}`);
  }
  const secretNames: string[] = [];
  for (const [name, value] of resolvePluginSecrets(manifest.permissions?.secrets ?? [], manifest.name, env)) {
    if (envNames.includes(name)) continue;
    secretNames.push(name);
    argv.push('--env', `${name}=${value}`);
  }
  argv.push('--net', 'none');
  if ((manifest.permissions?.process?.spawn ?? []).length > 0) argv.push('--allow-spawn');
  argv.push('--rlimit-as', String(limits.memoryMb), '--rlimit-cpu', String(limits.cpuSeconds), '--rlimit-fsize', String(limits.outputMb));
  if (limits.processes !== null) argv.push('--rlimit-nproc', String(limits.processes));
  argv.push('--', ...resolved.command);
  return { helper: options.helper ?? HELPER_PATH, argv, grants: resolved.grants, envNames, secretNames, limits, notes };
}

/** Runs the plan with inherited stdio; resolves to the child's exit status (128+N for signal N). */
export async function launch(plan: LaunchPlan): Promise<number> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the helper path bulwark itself computes
  if (!existsSync(plan.helper)) {
    throw new BulwarkError('BWK_SANDBOX_UNAVAILABLE', `the sandbox helper is missing: ${plan.helper}`, { fix: 'npm run build (it compiles native/bulwark-sandbox.c; Linux only)' });
  }
  const child = spawn(plan.helper, plan.argv, { stdio: 'inherit', env: {} });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolvePromise, reject) => {
      child.once('error', (error) => {
        reject(new BulwarkError('BWK_SANDBOX_UNAVAILABLE', `cannot start the sandbox helper: ${error.message}`, { fix: 'npm run build', cause: error }));
      });
      child.once('exit', (code, signal) => {
        if (code !== null) resolvePromise(code);
        else resolvePromise(signal === null ? EXIT.internal : 128 + signalNumber(signal));
      });
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
