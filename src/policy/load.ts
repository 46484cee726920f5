/**
 * The I/O edge: which file is the policy, and reading it safely (policy 2.5.1: a configuration
 * file others can write is refused, because whoever writes it can switch the protections off).
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError } from '../errors/index.js';
import type { Env } from './interpolate.js';
import type { LoadedPolicy } from './types.js';
import { defaultPolicy, defaultSources, policyHash, validatePolicyText } from './validate.js';

export const DEFAULT_POLICY_FILE = 'bulwark.config.json';
export const POLICY_ENV_VAR = 'BULWARK_CONFIG';
/** Larger files are refused: a policy is a few kilobytes. */
export const MAX_POLICY_BYTES = 1024 * 1024;

export interface LoadPolicyOptions {
  /** An explicitly named file (`--config`). Wins over BULWARK_CONFIG. */
  readonly file?: string | undefined;
  /** Folder relative paths and `./bulwark.config.json` are resolved against; default process.cwd(). */
  readonly cwd?: string | undefined;
  /** Environment for BULWARK_CONFIG and `${VAR}` expansion; default process.env. */
  readonly env?: Env | undefined;
  /**
   * When no file is named and `./bulwark.config.json` does not exist: true (the default) uses the
   * embedded defaults, false refuses with BWK_POLICY_NOT_FOUND. A named file that does not exist
   * is always refused.
   */
  readonly allowMissing?: boolean | undefined;
}

export interface LocatedPolicy {
  /** Absolute path. */
  readonly file: string;
  /** What named it, for messages. */
  readonly namedBy: 'the command line' | 'BULWARK_CONFIG' | 'the working directory';
}

async function exists(file: string): Promise<boolean> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the policy file's own path
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Resolution order: `file` option > BULWARK_CONFIG > ./bulwark.config.json if present > none. */
export async function locatePolicyFile(options: LoadPolicyOptions = {}): Promise<LocatedPolicy | null> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if (options.file !== undefined && options.file !== '') return { file: path.resolve(cwd, options.file), namedBy: 'the command line' };
  const fromEnv = env.BULWARK_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { file: path.resolve(cwd, fromEnv), namedBy: 'BULWARK_CONFIG' };
  const local = path.resolve(cwd, DEFAULT_POLICY_FILE);
  return (await exists(local)) ? { file: local, namedBy: 'the working directory' } : null;
}

/** Quotes a path for a POSIX shell command shown in a fix. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function describeWriters(mode: number): string {
  const group = (mode & 0o020) !== 0;
  const others = (mode & 0o002) !== 0;
  return group && others ? 'group and others' : group ? 'its group' : 'others';
}

/**
 * Reads a policy file through one open handle (no window between the permission check and the
 * read). Refuses: a missing file, a non-regular file, a file writable by group or others (through
 * a symlink: the target's mode), a file over MAX_POLICY_BYTES, and text that is not UTF-8.
 */
export async function readPolicyFile(located: LocatedPolicy): Promise<string> {
  const { file, namedBy } = located;
  let handle;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator names the policy file
    handle = await open(file, constants.O_RDONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new BulwarkError('BWK_POLICY_NOT_FOUND', `policy file ${file} does not exist (${namedBy === 'the command line' ? 'named on the command line' : namedBy === 'BULWARK_CONFIG' ? 'named by BULWARK_CONFIG' : 'a broken symbolic link in the working directory'})`, {
        fix: namedBy === 'the command line' ? 'correct the path, or create the file with `bulwark policy init --config <file>`' : namedBy === 'BULWARK_CONFIG' ? 'correct or unset BULWARK_CONFIG, or create the file with `bulwark policy init`' : 'it is a broken symbolic link: remove it or point it at the policy file',
        details: { file, namedBy },
        cause: error,
      });
    }
    throw new BulwarkError('BWK_IO', `cannot open policy file ${file}: ${code ?? String(error)}`, {
      fix: 'check that the file is readable by the user running bulwark',
      details: { file, errno: code },
      cause: error,
    });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new BulwarkError('BWK_IO', `policy file ${file} is not a regular file`, { fix: 'point --config or BULWARK_CONFIG at a JSON file', details: { file } });
    }
    if (process.platform !== 'win32') {
      const mode = stat.mode & 0o777;
      if ((mode & 0o022) !== 0) {
        throw new BulwarkError('BWK_POLICY_INSECURE_PERMISSIONS', `policy file ${file} is writable by ${describeWriters(mode)} (mode ${mode.toString(8).padStart(4, '0')}); whoever can write it can switch bulwark's protections off`, {
          fix: `chmod go-w ${shellQuote(file)}`,
          details: { file, mode: mode.toString(8).padStart(4, '0') },
        });
      }
    }
    if (stat.size > MAX_POLICY_BYTES) {
      throw new BulwarkError('BWK_IO', `policy file ${file} is ${stat.size} bytes; the limit is ${MAX_POLICY_BYTES}`, { fix: 'a policy is a few kilobytes: check that --config names the right file', details: { file } });
    }
    const bytes = await handle.readFile();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      throw new BulwarkError('BWK_POLICY_PARSE', `policy file ${file} is not valid UTF-8 text`, { fix: 'save the file as UTF-8', details: { file }, cause: error });
    }
  } finally {
    await handle.close();
  }
}

/**
 * Finds, reads and validates the policy. Throws BulwarkError: BWK_POLICY_NOT_FOUND,
 * BWK_POLICY_INSECURE_PERMISSIONS, BWK_POLICY_PARSE, BWK_POLICY_INVALID, BWK_POLICY_ENV_MISSING,
 * BWK_POLICY_ENV_NOT_ALLOWED or BWK_IO.
 */
export async function loadPolicy(options: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const env = options.env ?? process.env;
  const located = await locatePolicyFile(options);
  if (located === null) {
    if (options.allowMissing === false) {
      throw new BulwarkError('BWK_POLICY_NOT_FOUND', `no policy file: neither --config nor BULWARK_CONFIG is set, and there is no ${DEFAULT_POLICY_FILE} in ${options.cwd ?? process.cwd()}`, {
        fix: 'create one with `bulwark policy init`, or name one with --config or BULWARK_CONFIG',
      });
    }
    const policy = defaultPolicy();
    return { policy, file: null, sources: defaultSources(), hash: policyHash(policy) };
  }
  const text = await readPolicyFile(located);
  return { ...validatePolicyText(text, located.file, env), file: located.file };
}
