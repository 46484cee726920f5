/** Reading `bulwark.manifest.json`: size-capped, strict JSON (duplicate keys refused), schema-checked. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BulwarkError } from '../errors/index.js';
import { JsonSyntaxError, parseJson } from '../policy/index.js';
import type { LoadedManifest, Manifest, ManifestProblem } from './types.js';
import { validateManifestDocument } from './validate.js';

export const DEFAULT_MANIFEST_FILE = 'bulwark.manifest.json';
export const MAX_MANIFEST_BYTES = 256 * 1024;

/** The manifest used without `--manifest`: nothing granted beyond the implicit runtime. */
export const EMPTY_MANIFEST: Manifest = Object.freeze({ name: 'unnamed', version: '0.0.0' });

export function manifestProblemsError(file: string, problems: readonly ManifestProblem[]): BulwarkError {
  const lines = problems.map((problem) => `  ${problem.path === '' ? '(document)' : problem.path}: ${problem.message}\n    fix: ${problem.fix}`);
  const first = problems[0];
  return new BulwarkError('BWK_MANIFEST_INVALID', `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, {
    fix: first === undefined ? 'see README.md `bulwark run`' : `${first.path === '' ? '' : `${first.path}: `}${first.fix}`,
    details: { file, problems },
  });
}

/** Parses and validates manifest text; `file` only names it in errors. */
export function parseManifestText(text: string, file: string): Manifest {
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new BulwarkError('BWK_MANIFEST_PARSE', `${file}:${error.line}:${error.column}: ${error.message}`, { fix: 'fix the JSON syntax at that position', details: { file, line: error.line, column: error.column } });
    }
    throw error;
  }
  const result = validateManifestDocument(document);
  if (result.manifest === undefined) throw manifestProblemsError(file, result.problems);
  return result.manifest;
}

/** Loads a manifest file (relative to `cwd`); `null` gives the empty manifest with `cwd` as its folder. */
export async function loadManifest(file: string | null, cwd: string = process.cwd()): Promise<LoadedManifest> {
  if (file === null) return { manifest: EMPTY_MANIFEST, file: null, dir: cwd };
  const absolute = resolve(cwd, file);
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manifest the user named
    const buffer = await readFile(absolute);
    if (buffer.length > MAX_MANIFEST_BYTES) {
      throw new BulwarkError('BWK_MANIFEST_INVALID', `${absolute} is larger than ${MAX_MANIFEST_BYTES} bytes`, { fix: 'a manifest is a short JSON file; check that --manifest names the right file', details: { file: absolute } });
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof BulwarkError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BulwarkError('BWK_MANIFEST_NOT_FOUND', `no manifest at ${absolute}`, { fix: `check the --manifest path (a plugin's manifest is ${DEFAULT_MANIFEST_FILE} at its root)`, details: { file: absolute } });
    throw new BulwarkError('BWK_IO', `cannot read ${absolute}: ${(error as Error).message}`, { fix: 'make the manifest readable', details: { file: absolute } });
  }
  return { manifest: parseManifestText(text, absolute), file: absolute, dir: dirname(absolute) };
}
