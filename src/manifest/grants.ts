/**
 * From a manifest to the list of paths the sandbox shows the plugin: the implicit runtime grants
 * (what the command needs to start) and the manifest's explicit ones, each with its source, every
 * explicit path resolved and checked against the policy's protected patterns.
 */
import { accessSync, constants, closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { BulwarkError } from '../errors/index.js';
import type { Access, Grant, Manifest } from './types.js';

/**
 * Read-only system folders every command needs to start: programs, the dynamic linker and shared
 * libraries (on merged-/usr systems /bin, /lib... are symlinks into /usr and are bound as given, so
 * `#!/bin/sh` keeps working).
 */
export const RUNTIME_DIRS = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin'] as const;
/** The dynamic linker's cache: without it every library lookup walks the default folders. */
export const LINKER_FILES = ['/etc/ld.so.cache'] as const;
/** CA certificates, so TLS clients inside the sandbox can verify servers. */
export const CA_PATHS = ['/etc/ssl/certs', '/etc/ca-certificates', '/usr/share/ca-certificates', '/etc/pki/tls/certs', '/etc/pki/ca-trust'] as const;

export interface ResolveOptions {
  /** Folder relative manifest paths resolve against. */
  readonly manifestDir: string;
  /** The invoking user's home, for `~`. */
  readonly home: string;
  /** COMMAND and its arguments as given after `--`. */
  readonly command: readonly string[];
  /** The caller's environment (only PATH is read). */
  readonly env: NodeJS.ProcessEnv;
  /** The policy's `filesystem.protectedPatterns`. */
  readonly protectedPatterns: readonly string[];
}

export interface ResolvedGrants {
  readonly grants: Grant[];
  /** COMMAND rewritten for the sandbox: found on the caller's PATH → absolute; a node script → absolute. */
  readonly command: string[];
  /** Extra folders to put in front of the sandbox PATH (the node binary's folder, when outside the defaults). */
  readonly pathPrefix: string[];
  /** True when the command runs on node (V8 needs >= 1 GiB of address space). */
  readonly usesNode: boolean;
}

function exists(path: string): boolean {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed system paths and paths the user named
  return existsSync(path);
}

function realpathOrNull(path: string): string | null {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- resolving paths the user named is this function's job
    return realpathSync(path);
  } catch {
    return null;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- probing PATH entries
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` looked up like execvp does: a name with a slash is itself, else the first PATH hit. */
export function whichCommand(name: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string | null {
  if (name.includes('/')) return isExecutableFile(resolve(cwd, name)) ? resolve(cwd, name) : null;
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder === '' || !isAbsolute(folder)) continue;
    const candidate = join(folder, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** The interpreter a `#!` script names (`#!/usr/bin/env node` → node's path on PATH), or null. */
export function shebangInterpreter(file: string, env: NodeJS.ProcessEnv): string | null {
  let line: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the command the user asked to run
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      line = buffer.subarray(0, length).toString('latin1').split('\n')[0] ?? '';
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!line.startsWith('#!')) return null;
  const words = line.slice(2).trim().split(/[ \t]+/);
  const interpreter = words[0];
  if (interpreter === undefined || interpreter === '') return null;
  if (basename(interpreter) === 'env') {
    const target = words.slice(1).find((word) => !word.startsWith('-'));
    return target === undefined ? interpreter : (whichCommand(target, env) ?? interpreter);
  }
  return interpreter;
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped policy patterns; `*` becomes [^/]*, which cannot backtrack badly
  return new RegExp(`^${source}$`, 'i');
}

/**
 * The protected pattern `path` matches, if any (syntax of the policy's `filesystem.protectedPatterns`):
 * no `/` → a name at any depth; trailing `/` → a folder of that name at any depth and everything
 * in it; an inner `/` → that trailing run of segments. Matching ignores case.
 */
export function protectedMatch(path: string, patterns: readonly string[]): string | undefined {
  const segments = path.split('/').filter((segment) => segment !== '');
  for (const pattern of patterns) {
    const folder = pattern.endsWith('/');
    const parts = pattern.split('/').filter((part) => part !== '').map(globToRegExp);
    if (parts.length === 0) continue;
    const runMatches = (end: number): boolean => parts.every((part, index) => part.test(segments[end - parts.length + index] ?? ''));
    if (folder) {
      for (let end = parts.length; end <= segments.length; end++) if (runMatches(end)) return pattern;
    } else if (parts.length === 1) {
      const only = parts[0];
      if (only !== undefined && segments.some((segment) => only.test(segment))) return pattern;
    } else if (segments.length >= parts.length && runMatches(segments.length)) {
      return pattern;
    }
  }
  return undefined;
}

function refuse(message: string, fix: string, field: string): BulwarkError {
  return new BulwarkError('BWK_GRANT_REFUSED', message, { fix, details: { field } });
}

/** Expands `~` and resolves a manifest path against the manifest's folder, then realpath's it. */
export function resolveManifestPath(raw: string, options: Pick<ResolveOptions, 'manifestDir' | 'home'>, field: string): string {
  const expanded = raw === '~' ? options.home : raw.startsWith('~/') ? join(options.home, raw.slice(2)) : raw;
  if (raw.startsWith('~') && !raw.startsWith('~/') && raw !== '~') {
    throw refuse(`${field}: "${raw}": ~user paths are not supported`, 'write ~/... for your own home, or an absolute path', field);
  }
  const absolute = resolve(options.manifestDir, expanded);
  const real = realpathOrNull(absolute);
  if (real === null) throw refuse(`${field}: "${raw}" does not exist (resolved to ${absolute})`, 'create it first, or remove the grant', field);
  return real;
}

function checkExplicit(path: string, raw: string, field: string, options: ResolveOptions): void {
  if (path === '/') throw refuse(`${field}: "${raw}" grants the whole filesystem`, 'grant only the folders the plugin needs, e.g. "./data"', field);
  const home = realpathOrNull(options.home) ?? options.home;
  if (isUnder(home, path)) throw refuse(`${field}: "${raw}" grants your home folder${path === home ? '' : ' (it contains it)'}`, 'grant a folder inside your home instead, e.g. "~/projects/docs"', field);
  const pattern = protectedMatch(path, options.protectedPatterns);
  if (pattern !== undefined) {
    throw refuse(`${field}: "${raw}" is protected by the policy pattern "${pattern}"`, 'plugins never get protected paths; pass the data the plugin needs another way (or change filesystem.protectedPatterns in the policy)', field);
  }
}

const NODE_NAMES = new Set(['node', 'nodejs']);

/** The implicit and explicit grants for running `options.command` under `manifest`. */
export function resolveGrants(manifest: Manifest, options: ResolveOptions): ResolvedGrants {
  const grants: Grant[] = [];
  const add = (path: string, access: Access, source: string): void => {
    const existing = grants.find((grant) => grant.path === path);
    if (existing === undefined) grants.push({ path, access, source });
  };
  const covered = (path: string): boolean => grants.some((grant) => isUnder(path, realpathOrNull(grant.path) ?? grant.path));

  for (const dir of RUNTIME_DIRS) if (exists(dir)) add(dir, 'ro', 'implicit: runtime (system programs and shared libraries)');
  for (const file of LINKER_FILES) if (exists(file)) add(file, 'ro', 'implicit: runtime (dynamic linker cache)');
  for (const dir of CA_PATHS) if (exists(dir) && !covered(dir)) add(dir, 'ro', 'implicit: CA certificates');

  const command = [...options.command];
  const pathPrefix: string[] = [];
  let usesNode = false;
  const grantExecutable = (file: string, source: string): void => {
    const real = realpathOrNull(file);
    if (real === null || covered(real)) return;
    const pattern = protectedMatch(real, options.protectedPatterns);
    if (pattern !== undefined) throw refuse(`${file} is protected by the policy pattern "${pattern}"`, 'run a command outside protected paths', 'command');
    add(real, 'ro', source);
  };
  const grantNode = (nodePath: string): void => {
    usesNode = true;
    const real = realpathOrNull(nodePath);
    if (real === null) return;
    // node's install prefix (bin/node → prefix): its lib/node_modules and headers live there.
    const prefix = dirname(dirname(real));
    const home = realpathOrNull(options.home) ?? options.home;
    if (prefix !== '/' && !isUnder(home, prefix) && !covered(real)) add(prefix, 'ro', 'implicit: node install prefix');
    else grantExecutable(real, 'implicit: the node binary');
    const folder = dirname(nodePath);
    if (!['/usr/local/bin', '/usr/bin', '/bin'].includes(folder)) pathPrefix.push(folder);
  };

  const name = command[0];
  if (name !== undefined) {
    const found = whichCommand(name, options.env);
    if (found !== null) {
      command[0] = found;
      if (NODE_NAMES.has(basename(realpathOrNull(found) ?? found)) || NODE_NAMES.has(basename(found))) {
        grantNode(found);
        // `node script.js`: the sandbox starts in /, so the script is made absolute and granted.
        const script = command.slice(1).findIndex((arg) => !arg.startsWith('-'));
        const scriptArg = script === -1 ? undefined : command[script + 1];
        if (scriptArg !== undefined && command.slice(1, script + 1).every((arg) => !['-e', '--eval', '-p', '--print', '-r', '--require'].includes(arg))) {
          const absolute = resolve(scriptArg);
          if (exists(absolute)) {
            command[script + 1] = realpathOrNull(absolute) ?? absolute;
            grantExecutable(absolute, 'implicit: the script node runs');
          }
        }
      } else {
        grantExecutable(found, "implicit: the command's executable");
        const interpreter = shebangInterpreter(found, options.env);
        if (interpreter !== null) {
          if (NODE_NAMES.has(basename(interpreter))) grantNode(interpreter);
          else grantExecutable(interpreter, 'implicit: the script\'s #! interpreter');
        }
      }
    }
  }

  const filesystem = manifest.permissions?.filesystem;
  for (const [access, list] of [['rw', filesystem?.write ?? []], ['ro', filesystem?.read ?? []]] as const) {
    list.forEach((raw, index) => {
      const field = `permissions.filesystem.${access === 'rw' ? 'write' : 'read'}[${index}]`;
      const path = resolveManifestPath(raw, options, field);
      checkExplicit(path, raw, field, options);
      const existing = grants.findIndex((grant) => grant.path === path);
      if (existing === -1) grants.push({ path, access, source: `manifest: ${field}` });
    });
  }
  return { grants, command, pathPrefix, usesNode };
}
