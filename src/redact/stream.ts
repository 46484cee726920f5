/**
 * Streaming redaction in constant memory. Each chunk is appended to a carry buffer; text is
 * released only up to a cut point at least `overlap` characters before the end (where `overlap`
 * bounds the longest match), and never inside a match, so a secret split across chunks is still
 * masked as a whole.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { applyMask, type Finding } from './engine.js';

export interface StreamFinding extends Finding {
  /** Offsets count UTF-16 code units from the start of the stream. */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column of the start. */
  readonly line: number;
  readonly column: number;
}

export interface TextRedactor {
  find(text: string): Finding[];
  overlap(): number;
}

/** Scan at least this much new text per pass, so the re-scanned overlap stays a small share. */
const MIN_BATCH = 256 * 1024;

export class RedactStream extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  /** Stream offset of carry[0]. */
  private offset = 0;
  /** Lines released so far (1-based line of carry[0]) and the stream offset where that line starts. */
  private line = 1;
  private lineStart = 0;
  private readonly onFinding: ((finding: StreamFinding) => void) | undefined;

  constructor(
    private readonly redactor: TextRedactor,
    options: { onFinding?: (finding: StreamFinding) => void; highWaterMark?: number } = {},
  ) {
    super({ decodeStrings: true, highWaterMark: options.highWaterMark ?? 64 * 1024 });
    this.onFinding = options.onFinding;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.carry += this.decoder.write(chunk);
      const overlap = this.redactor.overlap();
      // Batch small writes: scanning is cheaper per byte on larger buffers.
      if (this.carry.length >= overlap + MIN_BATCH) this.release(false);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.carry += this.decoder.end();
      this.release(true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private release(final: boolean): void {
    const text = this.carry;
    const findings = this.redactor.find(text);
    let cut = final ? text.length : text.length - this.redactor.overlap();
    if (!final) {
      // Never cut inside a match: move the cut back to the start of any match that crosses it.
      // Findings are sorted by start; walking back handles chains of partial overlaps.
      for (let i = findings.length - 1; i >= 0; i--) {
        const finding = findings[i];
        if (finding !== undefined && finding.start < cut && finding.end > cut) cut = finding.start;
      }
      // Never split a surrogate pair.
      const code = text.charCodeAt(cut);
      if (cut > 0 && code >= 0xdc00 && code <= 0xdfff) cut--;
    }
    if (cut <= 0) return;
    const released = findings.filter((finding) => finding.end <= cut);
    let counted = 0;
    const countLinesTo = (position: number): void => {
      for (let at = text.indexOf('\n', counted); at >= 0 && at < position; at = text.indexOf('\n', at + 1)) {
        this.line++;
        this.lineStart = this.offset + at + 1;
      }
      counted = Math.max(counted, position);
    };
    if (this.onFinding !== undefined) {
      for (const finding of released) {
        countLinesTo(finding.start);
        const start = finding.start + this.offset;
        this.onFinding({ ruleId: finding.ruleId, start, end: finding.end + this.offset, line: this.line, column: start - this.lineStart + 1 });
      }
      countLinesTo(cut);
    }
    this.push(applyMask(text.slice(0, cut), released));
    this.carry = text.slice(cut);
    this.offset += cut;
  }
}
