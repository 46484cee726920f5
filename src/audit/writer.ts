/**
 * The I/O edge that writes the log: one writer per log (a lock file), records built in call order
 * (so the chain is the order of `append` calls), group commit (one write() of every pending line,
 * then one fdatasync, then every caller in the batch is answered), rotation by size with the chain
 * continuing, checkpoints every N records or T seconds, recovery of a torn tail on open, and
 * retention of whole old segments.
 *
 * Durability: `append` resolves only after its record was synced. fsync `always` syncs as soon as
 * the previous sync is done (records that arrive meanwhile share the next one); a number N syncs
 * at most every N ms. When the writer falls behind, `append` waits for room (no record is dropped).
 * When the log cannot be written it is marked broken: every pending and later `append` rejects
 * with BWK_AUDIT_UNAVAILABLE, and the operation being audited must be denied (fail closed).
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, unlinkSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BulwarkError } from '../errors/index.js';
import type { AuditPolicy } from '../policy/index.js';
import { getDefaultRedactor } from '../redact/index.js';
import { AUDIT_TYPES, buildRecord, checkpointMessage, computeLineHash, encodePublicKey, keyFingerprint, parseRecord, typeLineEnd, type AuditEvent, type AuditRecord, type Receipt } from './record.js';
import { acquireLock, auditDirOf, defaultStateDir, listSegments, readTail, segmentName, type Segment } from './segments.js';
import type { AuditSigner } from './signer.js';

/** What redacts `data` (and actor, subject, rule): the policy's redactor in practice. */
export interface AuditRedactor {
  redactValue(value: unknown): { value: unknown };
  redactString(text: string): { text: string };
}

export interface AuditLogger {
  error(object: Record<string, unknown>, message: string): void;
}

export interface OpenAuditLogOptions {
  /** The state folder (the log is its `audit/` subfolder). Default: the policy's, else the XDG state folder. */
  readonly stateDir?: string | null;
  /** The policy's audit section; the fields below override it one by one. */
  readonly policy?: AuditPolicy;
  readonly fsync?: 'always' | number;
  readonly checkpointEvery?: number;
  readonly checkpointSeconds?: number;
  readonly retentionDays?: number;
  readonly failClosed?: boolean;
  readonly signer: AuditSigner;
  readonly redactor?: AuditRedactor;
  readonly logger?: AuditLogger;
  /** Delete segments older than the retention period while opening (default true). */
  readonly autoPrune?: boolean;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  readonly now?: () => number;
  /** Rotate to a new segment once one reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** Records waiting to be written before `append` makes callers wait. Default 65 536. */
  readonly maxPending?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const TAIL_BYTES = 4 * 1024 * 1024;
const WRITER_ACTOR = 'bulwark';

interface Entry {
  readonly line: string;
  readonly segment: number;
  readonly receipt: Receipt;
  readonly resolve: (receipt: Receipt) => void;
  readonly reject: (error: unknown) => void;
}

/** What the end of an existing log looks like, after a torn tail was cut. */
interface TailState {
  readonly segment: number;
  readonly size: number;
  readonly last: AuditRecord | null;
  readonly keyPrint: string | null;
  readonly lastCheckpoint: AuditRecord | null;
  readonly cut: { bytes: number; sha256: string; file: string; offset: number } | null;
}

export interface PruneResult {
  readonly deleted: readonly { file: string; firstSeq: number; lastSeq: number; lastTime: string; bytes: number }[];
  readonly receipt: Receipt | null;
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

function fsyncDir(dir: string): void {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readFirstLine(path: string): string | null {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const end = buffer.subarray(0, read).indexOf(10);
    return end < 0 ? null : buffer.toString('utf8', 0, end);
  } finally {
    closeSync(fd);
  }
}

function validRecord(line: string): AuditRecord | null {
  const parsed = parseRecord(line);
  if (typeof parsed === 'string') return null;
  const hashes = computeLineHash(line);
  return hashes !== undefined && hashes.computed === parsed.hash ? parsed : null;
}

/** The last record of a segment and what lies after it (the torn part), from its tail. */
function scanTail(segment: Segment): { last: AuditRecord | null; validEnd: number; size: number; lastCheckpoint: AuditRecord | null } {
  const { text, start, size } = readTail(segment.path, TAIL_BYTES);
  // Lines that start inside the window: skip the partial first one unless the window is the whole file.
  let from = 0;
  if (start > 0) from = text.indexOf(10) + 1;
  const ends: number[] = [];
  for (let at = text.indexOf(10, from); at >= 0; at = text.indexOf(10, at + 1)) ends.push(at);
  let last: AuditRecord | null = null;
  let validEnd = start === 0 ? 0 : -1;
  let lastCheckpoint: AuditRecord | null = null;
  for (let i = ends.length - 1; i >= 0; i--) {
    const end = ends[i] ?? 0;
    const lineStart = i === 0 ? from : (ends[i - 1] ?? 0) + 1;
    const line = text.toString('utf8', lineStart, end);
    if (last === null) {
      const record = validRecord(line);
      if (record === null) continue;
      last = record;
      validEnd = start + end + 1;
    }
    if (line.endsWith(typeLineEnd(AUDIT_TYPES.checkpoint).slice(0, -1))) {
      lastCheckpoint = validRecord(line);
      if (lastCheckpoint !== null) break;
    }
  }
  if (validEnd < 0) {
    throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot find the last valid record in the last ${TAIL_BYTES} bytes of ${segment.path}`, {
      fix: 'run `bulwark audit verify` to see the damage; move the damaged log folder aside to start a new log',
    });
  }
  return { last, validEnd, size, lastCheckpoint };
}

function keyPrintOf(segment: Segment): string | null {
  const first = readFirstLine(segment.path);
  if (first === null) return null;
  const record = validRecord(first);
  if (record === null || record.type !== AUDIT_TYPES.key || typeof record.data.fingerprint !== 'string') return null;
  return record.data.fingerprint;
}

/** Finds the end of the log and cuts a torn or garbled tail off the last segment. */
function recoverTail(segments: readonly Segment[]): TailState | null {
  const lastSegment = segments[segments.length - 1];
  if (lastSegment === undefined) return null;
  const scan = scanTail(lastSegment);
  let cut: TailState['cut'] = null;
  if (scan.validEnd < scan.size) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
    const fd = openSync(lastSegment.path, 'r+');
    try {
      const torn = Buffer.alloc(scan.size - scan.validEnd);
      readSync(fd, torn, 0, torn.length, scan.validEnd);
      cut = { bytes: torn.length, sha256: createHash('sha256').update(torn).digest('hex'), file: lastSegment.name, offset: scan.validEnd };
      ftruncateSync(fd, scan.validEnd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  let last = scan.last;
  let lastCheckpoint = scan.lastCheckpoint;
  let keyPrint = scan.last === null ? null : keyPrintOf(lastSegment);
  if (last === null && segments.length > 1) {
    // The last segment was empty (or all torn): the chain continues from the one before.
    const previous = segments[segments.length - 2];
    if (previous !== undefined) {
      const earlier = scanTail(previous);
      last = earlier.last;
      lastCheckpoint = earlier.lastCheckpoint;
      keyPrint = keyPrintOf(previous);
    }
  }
  return { segment: lastSegment.index, size: scan.validEnd, last, keyPrint, lastCheckpoint, cut };
}

export class AuditLog {
  readonly dir: string;
  readonly failClosed: boolean;
  private readonly signer: AuditSigner;
  private readonly keyPrint: string;
  private readonly redactor: AuditRedactor;
  private readonly logger: AuditLogger | undefined;
  private readonly now: () => number;
  private readonly fsync: 'always' | number;
  private readonly checkpointEvery: number;
  private readonly checkpointMs: number;
  private readonly segmentBytes: number;
  private readonly maxPending: number;

  private seq = 0;
  private lastHash: string | null = null;
  private segment = 1;
  private segmentSize = 0;
  private needKey = true;
  private sinceCheckpoint = 0;
  private lastCheckpointAt: number;
  private pending: Entry[] = [];
  private waiters: (() => void)[] = [];
  private durableSeq = 0;
  private durableWaiters: { seq: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private handle: { segment: number; file: FileHandle } | null = null;
  private broken: BulwarkError | null = null;
  private closing: Promise<void> | null = null;
  private releaseLock: () => void = () => undefined;

  /** Use openAuditLog. */
  constructor(dir: string, options: OpenAuditLogOptions) {
    this.dir = dir;
    const policy = options.policy;
    this.failClosed = options.failClosed ?? policy?.failClosed ?? true;
    this.signer = options.signer;
    this.keyPrint = keyFingerprint(options.signer.publicKey);
    this.redactor = options.redactor ?? getDefaultRedactor();
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.fsync = options.fsync ?? policy?.fsync ?? 'always';
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? policy?.checkpointEvery ?? 1000);
    this.checkpointMs = Math.max(1, options.checkpointSeconds ?? policy?.checkpointSeconds ?? 60) * 1000;
    this.segmentBytes = Math.max(1024, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
    this.maxPending = Math.max(1, options.maxPending ?? 65_536);
    this.lastCheckpointAt = this.now();
  }

  /** The seq of the last record appended (written or pending). */
  get lastSeq(): number {
    return this.seq;
  }

  /** The file the log is written to now. */
  get currentSegment(): string {
    return join(this.dir, segmentName(this.segment));
  }

  /** @internal Opening: lock, recover, write what the start needs. */
  async start(retentionDays: number | undefined): Promise<void> {
    const lock = acquireLock(this.dir);
    this.releaseLock = lock.release;
    try {
      const tail = recoverTail(listSegments(this.dir));
      if (tail !== null) {
        this.segment = tail.segment;
        this.segmentSize = tail.size;
        this.needKey = tail.size === 0;
        if (tail.last !== null) {
          this.seq = tail.last.seq;
          this.durableSeq = tail.last.seq;
          this.lastHash = tail.last.hash;
          this.sinceCheckpoint = tail.lastCheckpoint === null ? this.checkpointEvery : tail.last.seq - tail.lastCheckpoint.seq;
        }
        if (tail.keyPrint !== null && tail.keyPrint !== this.keyPrint) {
          throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `the audit signing key (${this.keyPrint.slice(0, 16)}…) is not the key this log is signed with (${tail.keyPrint.slice(0, 16)}…)`, {
            fix: 'restore the original signing key; to start over, move the audit folder aside (keep it: it is evidence) and open a new log',
            details: { dir: this.dir },
          });
        }
        const closedCleanly = tail.cut === null && tail.last !== null && tail.last.type === AUDIT_TYPES.checkpoint && tail.last.data.final === true;
        if (tail.last !== null && !closedCleanly) {
          void this.internal(AUDIT_TYPES.recovery, tail.cut === null ? 'log' : tail.cut.file, {
            reason: tail.cut === null ? 'an unclean shutdown (the log did not end with a closing checkpoint)' : 'a torn write (the last record was cut off mid-write)',
            cutBytes: tail.cut?.bytes ?? 0,
            cutSha256: tail.cut?.sha256 ?? null,
            cutAt: tail.cut === null ? null : { file: tail.cut.file, offset: tail.cut.offset },
            lastSeq: tail.last.seq,
            lastHash: tail.last.hash,
            staleLock: lock.stale,
          });
        }
      }
      this.scheduleCheckpoints();
      if (retentionDays !== undefined) await this.prune(retentionDays);
      else await this.settle();
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Appends a record; resolves once it is on disk. Rejects with BWK_AUDIT_UNAVAILABLE when it cannot be written. */
  async append(event: AuditEvent): Promise<Receipt> {
    this.check();
    if (this.waiters.length > 0 || this.pending.length >= this.maxPending) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.check();
    }
    const data = this.redactor.redactValue(event.data ?? {}).value;
    const receipt = this.enqueue({
      type: event.type,
      actor: this.redactor.redactString(event.actor).text,
      subject: this.redactor.redactString(event.subject).text,
      decision: event.decision ?? null,
      rule: event.rule === undefined ? null : this.redactor.redactString(event.rule).text,
      data: data !== null && typeof data === 'object' && !Array.isArray(data) ? data : { value: data },
    });
    this.sinceCheckpoint++;
    if (this.sinceCheckpoint >= this.checkpointEvery || this.now() - this.lastCheckpointAt >= this.checkpointMs) this.checkpoint(false).catch(() => undefined);
    return receipt;
  }

  /**
   * A digest of `text` only this log's signing key can compute (Ed25519 signatures are
   * deterministic): lets the log name a value that holds secrets without exposing it to guessing.
   */
  keyedDigest(text: string): string {
    return createHash('sha256').update(this.signer.sign(Buffer.from(`bulwark-audit-digest-v1\n${text}`))).digest('hex');
  }

  /** Writes a signed checkpoint now (when any record is unsigned). */
  async checkpointNow(): Promise<Receipt | null> {
    this.check();
    return this.sinceCheckpoint > 0 ? this.checkpoint(false) : null;
  }

  /**
   * Deletes whole segments (never the current one) whose last record is older than `days`, oldest
   * first. The `audit.retention` record is made durable before any file is deleted; it names what
   * was deleted and the hash the first remaining record chains from, so verify still passes.
   */
  async prune(days: number): Promise<PruneResult> {
    this.check();
    const cutoff = this.now() - days * 86_400_000;
    const deleted: { file: string; firstSeq: number; lastSeq: number; lastTime: string; bytes: number; path: string }[] = [];
    let anchor: { seq: number; hash: string } | null = null;
    for (const segment of listSegments(this.dir)) {
      if (segment.index >= this.segment) break;
      const scan = scanTail(segment);
      if (scan.last === null || Date.parse(scan.last.time) >= cutoff || scan.validEnd !== scan.size) break;
      const first = readFirstLine(segment.path);
      const firstRecord = first === null ? null : validRecord(first);
      deleted.push({ file: segment.name, firstSeq: firstRecord?.seq ?? scan.last.seq, lastSeq: scan.last.seq, lastTime: scan.last.time, bytes: scan.size, path: segment.path });
      anchor = { seq: scan.last.seq, hash: scan.last.hash };
    }
    if (anchor === null) {
      await this.settle();
      return { deleted: [], receipt: null };
    }
    const summary = deleted.map(({ path: _path, ...rest }) => rest);
    const receipt = await this.internal(AUDIT_TYPES.retention, summary.map((item) => item.file).join(','), { retentionDays: days, deleted: summary, anchor });
    for (const item of deleted) {
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
        unlinkSync(item.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new BulwarkError('BWK_IO', `cannot delete ${item.path}: ${errnoOf(error)}`, { fix: 'check the audit folder permissions; prune again' });
      }
    }
    fsyncDir(this.dir);
    return { deleted: summary, receipt };
  }

  /** Writes a closing checkpoint, waits for every record to be on disk, and releases the log. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopTimers();
      try {
        if (this.broken === null && (this.seq > 0 || this.pending.length > 0)) await this.checkpoint(true);
        else await this.settle();
      } finally {
        await this.abort();
      }
      if (this.broken !== null) throw this.broken;
    })();
    return this.closing;
  }

  private async abort(): Promise<void> {
    this.stopTimers();
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await handle.file.close().catch(() => undefined);
    this.releaseLock();
  }

  private stopTimers(): void {
    if (this.checkpointTimer !== null) clearInterval(this.checkpointTimer);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.checkpointTimer = null;
    this.flushTimer = null;
  }

  private check(): void {
    if (this.broken !== null) throw this.broken;
    if (this.closing !== null) throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', 'the audit log is closed', { fix: 'this is a bug in the caller: append before close()' });
  }

  private scheduleCheckpoints(): void {
    this.checkpointTimer = setInterval(() => {
      if (this.broken === null && this.closing === null && this.sinceCheckpoint > 0 && this.now() - this.lastCheckpointAt >= this.checkpointMs) {
        this.checkpoint(false).catch(() => undefined);
      }
    }, Math.min(this.checkpointMs, 1000));
    this.checkpointTimer.unref();
  }

  private checkpoint(final: boolean): Promise<Receipt> {
    this.rotateIfNeeded();
    const time = new Date(this.now()).toISOString();
    const seq = this.seq + 1;
    const count = this.sinceCheckpoint;
    const prev = this.lastHash;
    const signature = this.signer.sign(checkpointMessage({ seq, time, prev, count, final })).toString('base64');
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = this.now();
    return this.enqueue({ type: AUDIT_TYPES.checkpoint, actor: WRITER_ACTOR, subject: segmentName(this.segment), decision: null, rule: null, data: { count, final, key: this.keyPrint, signature } }, time);
  }

  /** A record the log writes about itself; its promise is also kept for callers that wait. */
  private internal(type: string, subject: string, data: Record<string, unknown>): Promise<Receipt> {
    const receipt = this.enqueue({ type, actor: WRITER_ACTOR, subject, decision: null, rule: null, data: this.redactor.redactValue(data).value });
    this.sinceCheckpoint++;
    receipt.catch(() => undefined);
    return receipt;
  }

  /** Starts a new segment when the current one is full; a new segment begins with an audit.key record. */
  private rotateIfNeeded(): void {
    if (this.segmentSize >= this.segmentBytes) {
      this.segment++;
      this.segmentSize = 0;
      this.needKey = true;
    }
    if (this.needKey) {
      this.needKey = false;
      const keyReceipt = this.enqueue({
        type: AUDIT_TYPES.key,
        actor: WRITER_ACTOR,
        subject: segmentName(this.segment),
        decision: null,
        rule: null,
        data: { algorithm: 'ed25519', publicKey: encodePublicKey(this.signer.publicKey), fingerprint: this.keyPrint },
      });
      keyReceipt.catch(() => undefined);
      this.sinceCheckpoint++;
    }
  }

  private enqueue(fields: { type: string; actor: string; subject: string; decision: 'allow' | 'deny' | null; rule: string | null; data: unknown }, time?: string): Promise<Receipt> {
    this.rotateIfNeeded();
    const seq = this.seq + 1;
    const at = time ?? new Date(this.now()).toISOString();
    const { hash, line } = buildRecord({ seq, time: at, prev: this.lastHash, ...fields });
    this.seq = seq;
    this.lastHash = hash;
    this.segmentSize += Buffer.byteLength(line);
    return new Promise<Receipt>((resolve, reject) => {
      this.pending.push({ line, segment: this.segment, receipt: { seq, hash, time: at }, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushTimer !== null) return;
    if (this.fsync === 'always') {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        void this.flush();
      }, 0);
    } else {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        void this.flush();
      }, this.fsync);
    }
  }

  /** Resolves once every record enqueued so far is durable (or rejects when the log broke). */
  private settle(): Promise<void> {
    const target = this.seq;
    if (this.durableSeq >= target) return Promise.resolve();
    if (this.broken !== null) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => this.durableWaiters.push({ seq: target, resolve, reject }));
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const batch = this.pending;
    this.pending = [];
    try {
      let start = 0;
      while (start < batch.length) {
        const segment = batch[start]?.segment ?? this.segment;
        let end = start;
        const lines: string[] = [];
        while (end < batch.length && batch[end]?.segment === segment) lines.push(batch[end++]?.line ?? '');
        const file = await this.fileFor(segment);
        const bytes = Buffer.from(lines.join(''));
        let written = 0;
        while (written < bytes.length) written += (await file.write(bytes, written, bytes.length - written)).bytesWritten;
        start = end;
      }
      if (this.handle !== null) await this.handle.file.datasync();
    } catch (error) {
      this.flushing = false;
      this.breakLog(error, batch);
      return;
    }
    for (const entry of batch) entry.resolve(entry.receipt);
    this.durableSeq = batch[batch.length - 1]?.receipt.seq ?? this.durableSeq;
    if (this.durableWaiters.length > 0) {
      const ready = this.durableWaiters.filter((waiter) => waiter.seq <= this.durableSeq);
      this.durableWaiters = this.durableWaiters.filter((waiter) => waiter.seq > this.durableSeq);
      for (const waiter of ready) waiter.resolve();
    }
    while (this.waiters.length > 0 && this.pending.length < this.maxPending) this.waiters.shift()?.();
    this.flushing = false;
    if (this.pending.length > 0) this.scheduleFlush();
  }

  private async fileFor(segment: number): Promise<FileHandle> {
    if (this.handle !== null && this.handle.segment === segment) return this.handle.file;
    if (this.handle !== null) {
      const old = this.handle.file;
      this.handle = null;
      await old.datasync();
      await old.close();
    }
    const path = join(this.dir, segmentName(segment));
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a segment of the audit log
    const file = await openFile(path, 'a', 0o600);
    this.handle = { segment, file };
    fsyncDir(this.dir);
    return file;
  }

  private breakLog(error: unknown, batch: readonly Entry[]): void {
    const reason = errnoOf(error);
    this.broken = new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot write the audit log in ${this.dir}: ${reason}`, {
      fix: 'free disk space or fix the folder\'s permissions, then restart; until then operations that must be audited are denied',
      details: { dir: this.dir, reason, failClosed: this.failClosed },
      cause: error,
    });
    this.logger?.error({ code: 'BWK_AUDIT_UNAVAILABLE', dir: this.dir, reason, failClosed: this.failClosed, lostSeqFrom: batch[0]?.receipt.seq ?? null }, 'audit log write failed; denying audited operations');
    const failed = [...batch, ...this.pending];
    this.pending = [];
    this.stopTimers();
    for (const entry of failed) entry.reject(this.broken);
    for (const wake of this.waiters.splice(0)) wake();
    for (const waiter of this.durableWaiters.splice(0)) waiter.reject(this.broken);
  }
}

/** Resolves the state folder: the explicit one, else the policy's, else the XDG state folder. */
export function resolveStateDir(stateDir: string | null | undefined, policy: AuditPolicy | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return stateDir ?? policy?.stateDir ?? defaultStateDir(env);
}

/**
 * Opens (creating when absent) the audit log for appending. Recovers a torn tail, records an
 * unclean shutdown, and deletes segments older than the retention period (policy or option).
 */
export async function openAuditLog(options: OpenAuditLogOptions): Promise<AuditLog> {
  const dir = auditDirOf(resolveStateDir(options.stateDir, options.policy, options.env));
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the audit folder
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot create the audit log folder ${dir}: ${errnoOf(error)}`, { fix: 'set audit.stateDir (or --state-dir) to a folder this user can write' });
  }
  const log = new AuditLog(dir, options);
  await log.start(options.autoPrune === false ? undefined : (options.retentionDays ?? options.policy?.retentionDays));
  return log;
}
