/**
 * The on-disk layout: `<stateDir>/audit/audit-000001.jsonl`, `audit-000002.jsonl`, … (one chain
 * across all of them), and `writer.lock` holding the pid of the one process writing. Reading is
 * synchronous and chunked: verify and query read whole logs as fast as the disk gives them.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BulwarkError } from '../errors/index.js';
import type { LineRef } from './verify.js';

export const SEGMENT_PATTERN = /^audit-(\d{6,})\.jsonl$/;
export const LOCK_FILE = 'writer.lock';

/** `$XDG_STATE_HOME/bulwark`, else `~/.local/state/bulwark` (the policy's `audit.stateDir` when null). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg !== undefined && xdg.startsWith('/') ? join(xdg, 'bulwark') : join(env.HOME ?? homedir(), '.local', 'state', 'bulwark');
}

/** The audit log's folder inside a state folder. */
export function auditDirOf(stateDir: string): string {
  return join(stateDir, 'audit');
}

export function segmentName(index: number): string {
  return `audit-${String(index).padStart(6, '0')}.jsonl`;
}

export interface Segment {
  readonly name: string;
  readonly index: number;
  readonly path: string;
}

export function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(`cannot list the audit log folder ${dir}`, error);
  }
  const segments: Segment[] = [];
  for (const name of names) {
    const match = SEGMENT_PATTERN.exec(name);
    if (match !== null) segments.push({ name, index: Number(match[1]), path: join(dir, name) });
  }
  return segments.sort((a, b) => a.index - b.index);
}

export function ioError(what: string, error: unknown): BulwarkError {
  const code = (error as NodeJS.ErrnoException).code;
  return new BulwarkError('BWK_IO', `${what}: ${code ?? (error as Error).message}`, { fix: 'check that the state folder exists and is readable (see audit.stateDir, or pass --state-dir)', cause: error });
}

export interface SegmentLine {
  readonly text: string;
  readonly ref: LineRef;
  readonly terminated: boolean;
  /** Byte offset of the line's start in its segment. */
  readonly offset: number;
}

const CHUNK = 8 * 1024 * 1024;

/** Lines of one segment, in order; the last one has `terminated: false` if it has no newline. */
export function* readSegmentLines(segment: Segment): Generator<SegmentLine> {
  let fd: number;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
    fd = openSync(segment.path, 'r');
  } catch (error) {
    throw ioError(`cannot read ${segment.path}`, error);
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    let lineNumber = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const chunk = carry.length === 0 ? buffer.subarray(0, read) : Buffer.concat([carry, buffer.subarray(0, read)]);
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(10, start);
        if (end < 0) break;
        lineNumber++;
        yield { text: chunk.toString('utf8', start, end), ref: { file: segment.name, line: lineNumber }, terminated: true, offset: carryOffset + start };
        start = end + 1;
      }
      carry = Buffer.from(chunk.subarray(start));
      carryOffset += start;
    }
    if (carry.length > 0) {
      lineNumber++;
      yield { text: carry.toString('utf8'), ref: { file: segment.name, line: lineNumber }, terminated: false, offset: carryOffset };
    }
  } finally {
    closeSync(fd);
  }
}

/** Every line of every segment, oldest first. */
export function* readLogLines(dir: string): Generator<SegmentLine> {
  for (const segment of listSegments(dir)) yield* readSegmentLines(segment);
}

/** The last `bytes` of a file (all of it when smaller), and where that tail starts. */
export function readTail(path: string, bytes: number): { text: Buffer; start: number; size: number } {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const text = Buffer.allocUnsafe(size - start);
    let done = 0;
    while (done < text.length) {
      const read = readSync(fd, text, done, text.length - done, start + done);
      if (read === 0) break;
      done += read;
    }
    return { text: text.subarray(0, done), start, size };
  } finally {
    closeSync(fd);
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in `writer.lock` when that process is alive. */
export function liveWriter(dir: string): number | null {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder's lock
    const pid = Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
    return pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes the writer lock: one process writes a log. A lock left by a dead process (kill -9) is
 * taken over; `stale` says so. A live holder is an error naming its pid.
 */
export function acquireLock(dir: string): { stale: boolean; release: () => void } {
  const path = join(dir, LOCK_FILE);
  let stale = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder's lock
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        stale,
        release: () => {
          try {
            // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder's lock
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot create ${path}`, error);
      const holder = liveWriter(dir);
      if (holder !== null) {
        throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `the audit log in ${dir} is open for writing by process ${holder}`, {
          fix: 'one process writes an audit log at a time: stop that process, or give this one its own state folder (--state-dir / audit.stateDir)',
          details: { dir, pid: holder },
        });
      }
      stale = true;
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder's lock
        unlinkSync(path);
      } catch {
        // someone else took it over; try again
      }
    }
  }
  throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot take the writer lock ${path}`, { fix: 'another process keeps taking it; stop the other writers' });
}
