/**
 * Chain verification, pure: lines in, the first problem (or none) out. The reader feeds lines of
 * every segment in order; `finish` decides about the end of the log.
 *
 * What is checked, record by record:
 *  - the line is a record with valid fields, and its hash is the hash of its content (modified);
 *  - its seq is one more than the previous one (deleted, reordered) and its prev is the previous
 *    record's hash (modified: the previous record was changed and re-hashed);
 *  - checkpoints carry a valid Ed25519 signature by the key of the latest `audit.key` record, and
 *    that key never changes mid-chain or differs from a pinned key (bad signature);
 *  - a log whose first record is not seq 1 is accounted for by a later `audit.retention` record
 *    anchoring the first remaining record's prev (deleted otherwise).
 * At the end: the log must end with a closing (`final`) checkpoint, unless a writer is running.
 * A log that ends after an intermediate checkpoint, or with records no checkpoint signs, was cut
 * off (truncated) — or a writer crashed; opening the log for writing then records the recovery.
 * Records after a closing checkpoint that no checkpoint signs are `unsigned`: someone appended
 * them, or a writer crashed before its next checkpoint.
 */
import type { KeyObject } from 'node:crypto';
import { AUDIT_TYPES, checkpointMessage, checkSignature, computeLineHash, decodePublicKey, keyFingerprint, parseRecord, type AuditRecord } from './record.js';

export type ProblemKind = 'modified' | 'deleted' | 'reordered' | 'truncated' | 'bad signature' | 'unsigned';

export interface LineRef {
  /** Segment file name. */
  readonly file: string;
  /** 1-based line number in the segment. */
  readonly line: number;
}

export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** The seq of the record the problem is about (the missing one for `deleted`). */
  readonly seq: number | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly records: number;
  readonly checkpoints: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly lastHash: string | null;
  /** Fingerprints (sha256 of SPKI) of the signing keys seen. */
  readonly keys: readonly string[];
  readonly pinned: boolean;
  readonly problem: VerifyProblem | null;
  /** Things worth knowing that are not damage: recoveries, retention cuts, an unsigned live tail. */
  readonly notes: readonly string[];
}

export interface VerifierOptions {
  /** A public key every `audit.key` record must carry. */
  readonly pinnedKey?: KeyObject;
}

/** How far to look ahead for a missing seq before calling it deleted rather than reordered. */
const REORDER_WINDOW = 4096;

export class ChainVerifier {
  private records = 0;
  private checkpoints = 0;
  private firstSeq: number | null = null;
  private last: AuditRecord | null = null;
  private lastRef: LineRef | null = null;
  private key: KeyObject | null = null;
  private keyPrint: string | null = null;
  private readonly keys: string[] = [];
  private readonly pinnedPrint: string | null;
  private problem: VerifyProblem | null = null;
  /** A seq gap seen: waiting to learn whether the missing record turns up later (reordered). */
  private gap: { problem: VerifyProblem; missing: number; found: number; where: string; seen: number } | null = null;
  private lastCheckpoint: { seq: number; final: boolean } | null = null;
  private sinceCheckpoint = 0;
  /** The first record's seq and prev when the log does not start at seq 1 (retention). */
  private anchor: { seq: number; prev: string | null; ref: LineRef } | null = null;
  private readonly notes: string[] = [];

  constructor(private readonly options: VerifierOptions = {}) {
    this.pinnedPrint = options.pinnedKey === undefined ? null : keyFingerprint(options.pinnedKey);
  }

  /** True once a problem is known: the caller may stop feeding lines. */
  get done(): boolean {
    return this.problem !== null;
  }

  private fail(kind: ProblemKind, seq: number | null, ref: LineRef | null, message: string): void {
    this.problem ??= { kind, seq, file: ref?.file ?? null, line: ref?.line ?? null, message };
  }

  /** One line, without its newline; `terminated` is false for a last line with no newline. */
  push(line: string, ref: LineRef, terminated = true): void {
    if (this.problem !== null) return;
    if (this.gap !== null) {
      this.lookForMissing(line);
      return;
    }
    const where = `${ref.file}:${ref.line}`;
    const expected = this.last === null ? null : this.last.seq + 1;
    if (!terminated) {
      this.fail('truncated', expected, ref, `the log ends in the middle of a record (${where} has no newline): it was cut off mid-write; opening the log for writing recovers it`);
      return;
    }
    const parsed = parseRecord(line);
    if (typeof parsed === 'string') {
      this.fail('modified', expected, ref, `the record at ${where}${expected === null ? '' : ` (expected seq ${expected})`} ${parsed}`);
      return;
    }
    const hashes = computeLineHash(line);
    if (hashes === undefined || hashes.stored !== parsed.hash || hashes.computed !== parsed.hash) {
      this.fail('modified', parsed.seq, ref, `record seq ${parsed.seq} (${where}) was modified: its content does not match its hash`);
      return;
    }
    if (this.last === null) {
      this.firstSeq = parsed.seq;
      if (parsed.seq !== 1) this.anchor = { seq: parsed.seq, prev: parsed.prev, ref };
      else if (parsed.prev !== null) {
        this.fail('modified', 1, ref, `record seq 1 (${where}) was modified: the first record of a chain has prev null`);
        return;
      }
    } else if (parsed.seq !== this.last.seq + 1) {
      const missing = this.last.seq + 1;
      if (parsed.seq <= this.last.seq) {
        this.fail('reordered', parsed.seq, ref, `record seq ${parsed.seq} (${where}) is out of order: it comes after seq ${this.last.seq}`);
      } else {
        this.gap = {
          problem: { kind: 'deleted', seq: missing, file: ref.file, line: ref.line, message: `record seq ${missing} was deleted: ${where} holds seq ${parsed.seq} right after seq ${this.last.seq}` },
          missing,
          found: parsed.seq,
          where,
          seen: 0,
        };
      }
      return;
    } else if (parsed.prev !== this.last.hash) {
      const lastWhere = this.lastRef === null ? '' : ` (${this.lastRef.file}:${this.lastRef.line})`;
      this.fail('modified', this.last.seq, this.lastRef, `record seq ${this.last.seq}${lastWhere} was modified: its hash is not the one record seq ${parsed.seq} chains from`);
      return;
    }
    this.accept(parsed, ref, where);
    this.last = parsed;
    this.lastRef = ref;
    this.records++;
  }

  private lookForMissing(line: string): void {
    const gap = this.gap;
    if (gap === null) return;
    gap.seen++;
    const match = /"seq":(\d+),"subject"/.exec(line.slice(line.lastIndexOf(',"seq":')));
    if (match !== null && Number(match[1]) === gap.missing) {
      this.problem = { ...gap.problem, kind: 'reordered', message: `record seq ${gap.missing} was moved: ${gap.where} holds seq ${gap.found} where seq ${gap.missing} belongs, and seq ${gap.missing} comes later` };
      this.gap = null;
    } else if (gap.seen >= REORDER_WINDOW) {
      this.problem = gap.problem;
      this.gap = null;
    }
  }

  private accept(record: AuditRecord, ref: LineRef, where: string): void {
    const data = record.data;
    if (record.type === AUDIT_TYPES.key) {
      const encoded = data.publicKey;
      let key: KeyObject;
      try {
        if (typeof encoded !== 'string') throw new Error('missing');
        key = decodePublicKey(encoded);
      } catch {
        this.fail('bad signature', record.seq, ref, `record seq ${record.seq} (${where}) is an audit.key record without a valid public key`);
        return;
      }
      const print = keyFingerprint(key);
      if (this.pinnedPrint !== null && print !== this.pinnedPrint) {
        this.fail('bad signature', record.seq, ref, `record seq ${record.seq} (${where}) names signing key ${print.slice(0, 16)}…, not the pinned key ${this.pinnedPrint.slice(0, 16)}…`);
        return;
      }
      if (this.keyPrint !== null && print !== this.keyPrint) {
        this.fail('bad signature', record.seq, ref, `record seq ${record.seq} (${where}) switches the signing key from ${this.keyPrint.slice(0, 16)}… to ${print.slice(0, 16)}…: records after it are not vouched for by the earlier key`);
        return;
      }
      if (!this.keys.includes(print)) this.keys.push(print);
      this.key = key;
      this.keyPrint = print;
    } else if (record.type === AUDIT_TYPES.checkpoint) {
      const { signature, count, final } = data;
      if (this.key === null) {
        this.fail('bad signature', record.seq, ref, `checkpoint seq ${record.seq} (${where}) cannot be checked: no audit.key record precedes it`);
        return;
      }
      const message = checkpointMessage({ seq: record.seq, time: record.time, prev: record.prev, count: typeof count === 'number' ? count : -1, final: final === true });
      if (typeof signature !== 'string' || !checkSignature(this.key, message, signature)) {
        this.fail('bad signature', record.seq, ref, `checkpoint seq ${record.seq} (${where}) has a bad signature: it was not signed by key ${(this.keyPrint ?? '').slice(0, 16)}… over the chain before it`);
        return;
      }
      this.checkpoints++;
      this.lastCheckpoint = { seq: record.seq, final: final === true };
      this.sinceCheckpoint = 0;
      return;
    } else if (record.type === AUDIT_TYPES.retention) {
      const anchor = data.anchor as { seq?: unknown; hash?: unknown } | undefined;
      if (this.anchor !== null && anchor !== undefined && anchor.seq === this.anchor.seq - 1 && anchor.hash === this.anchor.prev) {
        this.notes.push(`records before seq ${this.anchor.seq} were deleted by retention (audit.retention record seq ${record.seq})`);
        this.anchor = null;
      }
    } else if (record.type === AUDIT_TYPES.recovery) {
      const reason = typeof data.reason === 'string' ? data.reason : 'recovery';
      this.notes.push(`record seq ${record.seq}: recovery after ${reason}${typeof data.cutBytes === 'number' && data.cutBytes > 0 ? ` (${data.cutBytes} torn bytes cut)` : ''}`);
    }
    this.sinceCheckpoint++;
  }

  /** `writerLive`: a writer holds the log open, so an unsigned tail is expected. */
  finish(options: { writerLive?: boolean } = {}): VerifyReport {
    if (this.gap !== null) {
      this.problem ??= this.gap.problem;
      this.gap = null;
    }
    if (this.problem === null && this.anchor !== null) {
      this.fail('deleted', this.anchor.seq - 1, this.anchor.ref, `records before seq ${this.anchor.seq} were deleted: the log starts at seq ${this.anchor.seq} (${this.anchor.ref.file}:${this.anchor.ref.line}) and no signed audit.retention record accounts for the cut`);
    }
    if (this.problem === null && this.last !== null) {
      const last = this.last;
      const closed = this.lastCheckpoint !== null && this.lastCheckpoint.seq === last.seq && this.lastCheckpoint.final;
      if (!closed) {
        const since = this.sinceCheckpoint;
        if (options.writerLive === true) {
          this.notes.push(`${since} record(s) after the last checkpoint are not signed yet: a writer has the log open`);
        } else if (this.lastCheckpoint?.final === true) {
          const first = this.lastCheckpoint.seq + 1;
          this.fail('unsigned', first, null, `records seq ${first}..${last.seq} follow the closing checkpoint seq ${this.lastCheckpoint.seq} and no checkpoint signs them: they were appended afterwards, or a writer crashed (opening the log for writing records the recovery)`);
        } else {
          const after = this.lastCheckpoint === null ? 'no checkpoint at all' : `checkpoint seq ${this.lastCheckpoint.seq}`;
          this.fail('truncated', last.seq, this.lastRef, `the log ends at seq ${last.seq} after ${after}, without a closing checkpoint: records after seq ${last.seq} were cut off (or a writer crashed; opening the log for writing records the recovery)`);
        }
      }
    }
    if (this.pinnedPrint === null && this.keys.length > 0) {
      this.notes.push('the signing key was not pinned: someone who rewrites the whole log can re-sign it; pass --public-key with the exported key (bulwark audit public-key) to rule that out');
    }
    return {
      ok: this.problem === null,
      records: this.records,
      checkpoints: this.checkpoints,
      firstSeq: this.firstSeq,
      lastSeq: this.last?.seq ?? null,
      lastHash: this.last?.hash ?? null,
      keys: [...this.keys],
      pinned: this.pinnedPrint !== null,
      problem: this.problem,
      notes: [...this.notes],
    };
  }
}

/** Verifies lines given as (line, ref) pairs; the convenience form of ChainVerifier. */
export function verifyLines(lines: Iterable<{ text: string; ref: LineRef; terminated?: boolean }>, options: VerifierOptions & { writerLive?: boolean } = {}): VerifyReport {
  const verifier = new ChainVerifier(options);
  for (const { text, ref, terminated } of lines) {
    verifier.push(text, ref, terminated ?? true);
    if (verifier.done) break;
  }
  return verifier.finish({ writerLive: options.writerLive });
}
