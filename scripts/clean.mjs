// Removes build output folders; a script rather than `rm -rf` so the build has no shell dependency.
import { rmSync } from 'node:fs';

for (const dir of process.argv.slice(2)) rmSync(dir, { recursive: true, force: true });
