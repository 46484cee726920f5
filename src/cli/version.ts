import { readFileSync } from 'node:fs';

// dist/src/cli/version.js -> package root, in the repository and in the published package alike.
const packageJsonUrl = new URL('../../../package.json', import.meta.url);

// eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed path relative to this module
export const VERSION: string = (JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string }).version;
