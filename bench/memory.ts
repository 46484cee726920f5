/**
 * Constant memory: 2 GiB of log text with secrets piped through `bulwark redact` on stdin; the
 * peak resident set size of the process (VmHWM from /proc) and the throughput.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cleanText } from './corpus.js';
import { CLI, fixed, mbps, table } from './util.js';

export interface MemoryBenchResult {
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly peakRssMiB: number;
  readonly mbPerSecond: number;
}

function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function runMemoryBench(gibibytes: number): Promise<MemoryBenchResult> {
  // 8 MiB of varied text with a password every ~20 lines, repeated.
  const lines = cleanText(8 * 1024 * 1024, 21).split('\n');
  const block = Buffer.from(lines.map((line, index) => (index % 20 === 0 ? `${line} password=Zq8xLm2P${index}` : line)).join('\n'));
  const total = gibibytes * 1024 * 1024 * 1024;
  const child = spawn(process.execPath, [CLI, 'redact', '--jobs', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let outputBytes = 0;
  let peak = 0;
  child.stdout.on('data', (chunk: Buffer) => (outputBytes += chunk.length));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = process.hrtime.bigint();
  let written = 0;
  for (let i = 0; written < total; i++) {
    if (!child.stdin.write(block)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    written += block.length;
    if (i % 8 === 0 && child.pid !== undefined) {
      peak = Math.max(peak, peakRssKb(child.pid));
      process.stderr.write(`\rbench memory: ${(written / 1024 ** 3).toFixed(2)} GiB, peak RSS ${(peak / 1024).toFixed(0)} MiB   `);
    }
  }
  if (child.pid !== undefined) peak = Math.max(peak, peakRssKb(child.pid));
  child.stdin.end();
  const code = await exited;
  process.stderr.write('\n');
  if (code !== 0) throw new Error(`bulwark redact exited with ${code}`);
  return { inputBytes: written, outputBytes, peakRssMiB: peak / 1024, mbPerSecond: mbps(written, Number(process.hrtime.bigint() - started) / 1e9) };
}

export function formatMemoryBench(result: MemoryBenchResult): string {
  return table([
    ['input (stdin)', 'output', 'peak RSS', 'MB/s'],
    [`${fixed(result.inputBytes / 1024 ** 3, 2)} GiB`, `${fixed(result.outputBytes / 1024 ** 3, 2)} GiB`, `${fixed(result.peakRssMiB, 0)} MiB`, fixed(result.mbPerSecond)],
  ]);
}
