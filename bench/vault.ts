/**
 * The vault's hot paths: `resolveSecret` on an unlocked vault (target: <= 50 µs p50) and `unlock`
 * (open + verify the whole file + unwrap the data key) with BULWARK_MASTER_KEY, on a vault of
 * `secrets` entries. The audit sink is a no-op, so the vault's own cost is measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVault, type AuditSink, type VaultOptions } from '../src/secrets/index.js';
import { fixed, table } from './util.js';

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export interface VaultBenchResult {
  readonly secrets: number;
  readonly resolveIterations: number;
  readonly unlockIterations: number;
  /** Microseconds. */
  readonly resolveMicros: Percentiles;
  readonly unlockMicros: Percentiles;
}

function percentiles(samples: number[]): Percentiles {
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

export async function runVaultBench(options: { secrets?: number; resolveIterations?: number; unlockIterations?: number } = {}): Promise<VaultBenchResult> {
  const secrets = options.secrets ?? 50;
  const resolveIterations = options.resolveIterations ?? 20_000;
  const unlockIterations = options.unlockIterations ?? 500;
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-vault-bench-'));
  const audit: AuditSink = { append: () => Promise.resolve() };
  const vaultOptions: VaultOptions = { path: join(dir, 'vault', 'vault.json'), provider: 'env', env: { BULWARK_MASTER_KEY: randomBytes(32).toString('base64') }, audit };
  try {
    const vault = await openVault({ ...vaultOptions, create: true });
    const names: string[] = [];
    for (let i = 0; i < secrets; i++) names.push(`SECRET_${i}`);
    await vault.importEnvFile(writeEnv(dir, names), { plugins: ['bench-plugin'] });

    const resolveSamples: number[] = [];
    for (let i = 0; i < resolveIterations + 1000; i++) {
      const name = names[i % names.length] ?? 'SECRET_0';
      const started = process.hrtime.bigint();
      await vault.resolveSecret(name, 'bench-plugin');
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      if (i >= 1000) resolveSamples.push(micros); // the first 1000 warm up the JIT
    }
    const unlockSamples: number[] = [];
    for (let i = 0; i < unlockIterations + 20; i++) {
      const started = process.hrtime.bigint();
      const opened = await openVault(vaultOptions);
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      opened.lock();
      if (i >= 20) unlockSamples.push(micros);
    }
    return { secrets, resolveIterations, unlockIterations, resolveMicros: percentiles(resolveSamples), unlockMicros: percentiles(unlockSamples) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeEnv(dir: string, names: readonly string[]): string {
  const file = join(dir, 'bench.env');
  writeFileSync(file, names.map((name) => `${name}=${randomBytes(24).toString('base64url')}`).join('\n'), { mode: 0o600 });
  return file;
}

export function formatVaultBench(result: VaultBenchResult): string {
  return table([
    ['operation', 'p50 µs', 'p99 µs', 'note'],
    ['resolveSecret (unlocked)', fixed(result.resolveMicros.p50, 1), fixed(result.resolveMicros.p99, 1), `target: p50 <= 50 µs; AES-GCM open + redaction registry + no-op audit; ${result.resolveIterations} calls`],
    ['unlock (openVault, env key)', fixed(result.unlockMicros.p50, 1), fixed(result.unlockMicros.p99, 1), `read + parse + verify MAC + unwrap; ${result.secrets} secrets; ${result.unlockIterations} opens`],
  ]);
}
