/**
 * `verifyLog`: the I/O edge around ChainVerifier — every segment's lines, in order, and whether a
 * writer holds the log open (then an unsigned tail is expected, not damage).
 */
import type { KeyObject } from 'node:crypto';
import { liveWriter, readLogLines } from './segments.js';
import { ChainVerifier, type VerifyReport } from './verify.js';

export function verifyLog(dir: string, options: { pinnedKey?: KeyObject } = {}): VerifyReport & { bytes: number; writer: number | null } {
  const writer = liveWriter(dir);
  const verifier = new ChainVerifier({ pinnedKey: options.pinnedKey });
  let bytes = 0;
  for (const line of readLogLines(dir)) {
    bytes += line.text.length + 1;
    verifier.push(line.text, line.ref, line.terminated);
    if (verifier.done) break;
  }
  return { ...verifier.finish({ writerLive: writer !== null }), bytes, writer };
}
