/**
 * The vault file on disk: where it lives, reading it through one handle with permission checks,
 * and atomic replacement (temp file in the same folder, fsync, rename, fsync the folder) under a
 * lock file, so a failed or concurrent write never leaves a half-written vault.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BulwarkError } from '../errors/index.js';

/** Larger files are refused: a vault holds at most a few thousand small secrets. */
export const MAX_VAULT_BYTES = 16 * 1024 * 1024;
const LOCK_STALE_MS = 30_000;
/** O_NOFOLLOW where the platform has it (not on Windows). */
const NOFOLLOW: number = (constants as Partial<typeof constants>).O_NOFOLLOW ?? 0;
const LOCK_WAIT_MS = 5_000;

/** `$XDG_DATA_HOME/bulwark/vault.json`, else `~/.local/share/bulwark/vault.json`. */
export function defaultVaultPath(env: NodeJS.ProcessEnv = process.env, home: string = env.HOME ?? homedir()): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share');
  return path.join(base, 'bulwark', 'vault.json');
}

function quote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

const checkModes = process.platform !== 'win32';

/**
 * Pure: the permission problem with a vault file or its folder, or null. Refused: any access by
 * group or others, or an owner other than the current user.
 */
export function permissionProblem(target: string, stats: Pick<Stats, 'mode' | 'uid'>, kind: 'file' | 'folder', uid: number | null): BulwarkError | null {
  const wanted = kind === 'file' ? '600' : '700';
  if ((stats.mode & 0o077) !== 0) {
    return new BulwarkError('BWK_VAULT_PERMISSIONS', `the vault ${kind} ${target} is accessible by ${(stats.mode & 0o070) !== 0 && (stats.mode & 0o007) !== 0 ? 'group and others' : (stats.mode & 0o070) !== 0 ? 'its group' : 'others'} (mode ${(stats.mode & 0o777).toString(8)})`, {
      fix: `chmod ${wanted} ${quote(target)}`,
      details: { path: target },
    });
  }
  if (uid !== null && stats.uid !== uid) {
    return new BulwarkError('BWK_VAULT_PERMISSIONS', `the vault ${kind} ${target} belongs to another user (uid ${stats.uid})`, {
      fix: `use your own vault (--vault FILE), or chown it to yourself`,
      details: { path: target },
    });
  }
  return null;
}

function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

function ioError(action: string, target: string, error: unknown): BulwarkError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'it is a symbolic link' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOSPC' ? 'no space left on the device' : ((error as Error).message);
  return new BulwarkError('BWK_IO', `cannot ${action} the vault ${target}: ${reason}`, { fix: 'check the path and its permissions (--vault FILE or secrets.vaultPath choose another)', details: { path: target } });
}

async function checkFolder(folder: string): Promise<void> {
  if (!checkModes) return;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own folder
  const stats = await stat(folder);
  const problem = permissionProblem(folder, stats, 'folder', currentUid());
  if (problem !== null) throw problem;
}

/**
 * Reads the vault file, or returns null when it does not exist. Refuses symlinks and loose modes.
 * Synchronous inside (one small file): each async fs call costs a thread-pool round trip, and
 * this read is most of the cost of unlocking.
 */
export function readVaultFile(file: string): Promise<string | null> {
  let fd: number;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own path
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(null);
    return Promise.reject(ioError('read', file, error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new BulwarkError('BWK_IO', `the vault ${file} is not a regular file`, { fix: 'point --vault or secrets.vaultPath at the vault file', details: { path: file } });
    if (checkModes) {
      const problem = permissionProblem(file, stats, 'file', currentUid());
      if (problem !== null) throw problem;
      const folder = path.dirname(file);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own folder
      const folderProblem = permissionProblem(folder, statSync(folder), 'folder', currentUid());
      if (folderProblem !== null) throw folderProblem;
    }
    if (stats.size > MAX_VAULT_BYTES) throw new BulwarkError('BWK_VAULT_TAMPERED', `the vault ${file} is larger than ${MAX_VAULT_BYTES} bytes`, { fix: 'restore the vault file from a backup', details: { path: file } });
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a descriptor opened above
    return Promise.resolve(readFileSync(fd, 'utf8'));
  } catch (error) {
    return Promise.reject(error instanceof BulwarkError ? error : ioError('read', file, error));
  } finally {
    closeSync(fd);
  }
}

/** Creates the vault's folder (0700) when missing and checks an existing one. */
async function ensureFolder(folder: string): Promise<void> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own folder
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError('create the folder of', folder, error);
  }
  await checkFolder(folder);
}

async function fsyncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own folder
  const handle = await open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces the vault file atomically: temp file (0600, same folder), fsync, rename, fsync folder. */
export async function writeVaultFile(file: string, text: string): Promise<void> {
  const folder = path.dirname(file);
  await ensureFolder(folder);
  const temp = path.join(folder, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let written = false;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a temp file next to the vault
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's own path
    await rename(temp, file);
    written = true;
    await fsyncFolder(folder);
  } catch (error) {
    if (!written) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own temp file
      await unlink(temp).catch(() => undefined);
    }
    if (error instanceof BulwarkError) throw error;
    throw ioError('write', file, error);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `action` holding `FILE.lock` (created exclusively); a lock older than 30 s is stale. */
export async function withVaultLock<T>(file: string, action: () => Promise<T>): Promise<T> {
  const folder = path.dirname(file);
  await ensureFolder(folder);
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's lock file
      const handle = await open(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('lock', file, error);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's lock file
      const stats = await lstat(lock).catch(() => null);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's lock file
      if (stats !== null && Date.now() - stats.mtimeMs > LOCK_STALE_MS) await unlink(lock).catch(() => undefined);
      else if (Date.now() > deadline) {
        throw new BulwarkError('BWK_IO', `the vault ${file} is locked by another bulwark process`, { fix: `wait and retry; if no bulwark is running, delete ${quote(lock)}`, details: { path: file } });
      } else await sleep(20);
    }
  }
  try {
    return await action();
  } finally {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the vault's lock file
    await unlink(lock).catch(() => undefined);
  }
}
