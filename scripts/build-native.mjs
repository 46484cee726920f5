// Compiles the native sandbox helper (native/bulwark-sandbox.c) with the system C compiler into
// dist/native/bulwark-sandbox. Linux only: elsewhere it prints a notice and exits 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (process.platform !== 'linux') {
  console.log(`build-native: skipped, the sandbox helper is Linux-only (this is ${process.platform})`);
  process.exit(0);
}

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(new URL('../dist/native', import.meta.url), { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11', '-D_GNU_SOURCE', '-o', 'dist/native/bulwark-sandbox', 'native/bulwark-sandbox.c'], { cwd: root, stdio: 'inherit' });
