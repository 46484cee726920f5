import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A fresh empty folder, so no bulwark.config.json from the repository is picked up. */
export function tempDir(prefix = 'bulwark-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the built CLI as a user would: a separate process, argv array, its own cwd and environment. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  return spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? tempDir(), env, input: options.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}
