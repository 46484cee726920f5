/**
 * Streaming redaction in constant memory. Text is cut into fixed batches; each batch is scanned
 * together with `overlap` characters of context on both sides (`overlap` bounds the longest
 * match), and keeps the findings that start inside it. A secret that crosses a batch boundary,
 * or a read-chunk boundary, is therefore found whole, and the mask carries over into the next
 * batch. Batches are independent, so a finder may scan several at once on worker threads
 * (parallel.ts) while the output stays in order.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { MASK, type Finding } from './engine.js';

export interface StreamFinding extends Finding {
  /** Offsets count UTF-16 code units from the start of the stream. */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column of the start. */
  readonly line: number;
  readonly column: number;
}

/** Finds secrets in one region of text; synchronous in-thread, or a promise from a worker. */
export interface BatchFinder {
  find(region: string): Finding[] | Promise<Finding[]>;
  /** At least the longest possible match. */
  overlap(): number;
  close?(): Promise<void>;
}

export interface RedactStreamOptions {
  readonly onFinding?: (finding: StreamFinding) => void;
  /** Characters per batch; default 256 Ki. */
  readonly batchSize?: number;
  /** Batches scanned ahead of the output (worker finders); default 1. */
  readonly maxInFlight?: number;
}

interface Job {
  readonly start: number;
  readonly end: number;
  /** Stream offset of region[0]. */
  readonly base: number;
  readonly region: string;
  readonly result: Finding[] | Promise<Finding[]>;
}

const DEFAULT_BATCH = 256 * 1024;

export class RedactStream extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  /** Text from `pendingBase` on: context for the next batch, then the text not yet dispatched. */
  private pending = '';
  private pendingBase = 0;
  /** Stream offset where the next batch starts. */
  private nextStart = 0;
  private readonly queue: Job[] = [];
  /** A mask that began in an earlier batch covers the text up to here. */
  private maskedUntil = 0;
  private line = 1;
  private lineStart = 0;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly onFinding: ((finding: StreamFinding) => void) | undefined;

  constructor(
    private readonly finder: BatchFinder,
    options: RedactStreamOptions = {},
  ) {
    super({ decodeStrings: true, highWaterMark: 64 * 1024 });
    this.batchSize = Math.max(1024, options.batchSize ?? DEFAULT_BATCH);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.onFinding = options.onFinding;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending += this.decoder.write(chunk);
    this.advance(false).then(() => {
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.pending += this.decoder.end();
    this.advance(true)
      .then(() => this.finder.close?.())
      .then(() => {
        callback();
      }, callback);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    const closing = this.finder.close?.() ?? Promise.resolve();
    closing.then(
      () => {
        callback(error);
      },
      () => {
        callback(error);
      },
    );
  }

  private async advance(final: boolean): Promise<void> {
    const overlap = this.finder.overlap();
    const available = this.pendingBase + this.pending.length;
    while (this.nextStart < available && (final || this.nextStart + this.batchSize + overlap <= available)) {
      let end = Math.min(available, this.nextStart + this.batchSize);
      // Never split a surrogate pair between batches.
      const code = this.pending.charCodeAt(end - this.pendingBase);
      if (end < available && code >= 0xdc00 && code <= 0xdfff) end--;
      const base = Math.max(this.pendingBase, this.nextStart - overlap);
      const region = this.pending.slice(base - this.pendingBase, Math.min(available, end + overlap) - this.pendingBase);
      this.queue.push({ start: this.nextStart, end, base, region, result: this.finder.find(region) });
      this.nextStart = end;
      // Keep only the context the next batch needs.
      const keepFrom = Math.max(this.pendingBase, this.nextStart - overlap);
      this.pending = this.pending.slice(keepFrom - this.pendingBase);
      this.pendingBase = keepFrom;
      while (this.queue.length > this.maxInFlight) await this.emitOldest();
    }
    if (final) while (this.queue.length > 0) await this.emitOldest();
    else while (this.queue.length > 0 && Array.isArray(this.queue[0]?.result)) await this.emitOldest();
  }

  private async emitOldest(): Promise<void> {
    const job = this.queue.shift();
    if (job === undefined) return;
    const findings = (await job.result)
      .map((finding) => ({ ruleId: finding.ruleId, start: finding.start + job.base, end: finding.end + job.base }))
      .filter((finding) => finding.start >= job.start && finding.start < job.end)
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const text = job.region.slice(job.start - job.base, job.end - job.base);
    const parts: string[] = [];
    let at = Math.max(job.start, Math.min(this.maskedUntil, job.end));
    for (const finding of findings) {
      this.report(finding, text, job.start);
      if (finding.end <= at) continue;
      if (finding.start >= at) parts.push(text.slice(at - job.start, finding.start - job.start), MASK);
      at = finding.end;
    }
    // A mask that runs past this batch swallows the start of the next one.
    if (at > job.end) this.maskedUntil = Math.max(this.maskedUntil, at);
    else parts.push(text.slice(at - job.start));
    this.countLines(text, job.start, job.end);
    this.push(parts.join(''));
  }

  private countedTo = 0;

  private countLines(text: string, textStart: number, to: number): void {
    for (let at = text.indexOf('\n', this.countedTo - textStart); at >= 0 && textStart + at < to; at = text.indexOf('\n', at + 1)) {
      this.line++;
      this.lineStart = textStart + at + 1;
    }
    this.countedTo = to;
  }

  private report(finding: Finding, text: string, textStart: number): void {
    if (this.onFinding === undefined) return;
    this.countLines(text, textStart, finding.start);
    this.onFinding({ ...finding, line: this.line, column: finding.start - this.lineStart + 1 });
  }
}
