import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORK = fileURLToPath(new URL('../../bench/.work/', import.meta.url));
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export function workFile(name: string, content: string): string {
  mkdirSync(WORK, { recursive: true });
  const path = `${WORK}${name}`;
  writeFileSync(path, content);
  return path;
}

export interface Timed {
  readonly seconds: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (argv array, no shell) and returns its wall time; the best of `runs`. */
export function timeCommand(argv: readonly string[], runs = 3, options: { cwd?: string; stdoutFile?: string } = {}): Timed {
  let best: Timed | undefined;
  for (let i = 0; i < runs; i++) {
    // Output to a file, as a user's redirect would: capturing it through a pipe would time the harness.
    const out = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'w');
    const started = process.hrtime.bigint();
    const result = spawnSync(argv[0] ?? '', argv.slice(1), { cwd: options.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', out, 'pipe'] });
    if (typeof out === 'number') closeSync(out);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const timed = { seconds, status: result.status, stdout: result.stdout, stderr: result.stderr };
    if (best === undefined || seconds < best.seconds) best = timed;
  }
  if (best === undefined) throw new Error('no runs');
  return best;
}

export function mbps(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => String(cell).padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}
