import { readFileSync } from 'node:fs';

// dist/src/cli/version.js -> package root, in the repository and in the published package alike.
const packageJsonUrl = new URL('../../../package.json', import.meta.url);

export const VERSION: string = (JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string }).version;
