import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI, tempDir } from './helpers.js';

/** Peak resident memory of a live process, from /proc (Linux). */
function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

// 128 MiB through stdin; a streaming redactor's memory must not grow with its input.
test('bulwark redact streams: peak memory stays flat on a 128 MiB input', async () => {
  const line = `${'GET /api/v1/items/42 200 12ms the quick brown fox jumps over the lazy dog '.repeat(3)}password=hunter2-Value\n`;
  const block = Buffer.from(line.repeat(Math.ceil((1024 * 1024) / line.length)));
  const blocks = 128;
  const child = spawn(process.execPath, [CLI, 'redact', '--jobs', '1'], { cwd: tempDir(), stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let outBytes = 0;
  let masks = 0;
  let tail = '';
  let peak = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    outBytes += chunk.length;
    const text = tail + chunk.toString('latin1');
    masks += text.split('*****').length - 1;
    // Four characters cannot hold a whole mask, so no mask is counted twice.
    tail = text.slice(-4);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < blocks; i++) {
    if (!child.stdin.write(block)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    if (i % 16 === 0 && child.pid !== undefined) peak = Math.max(peak, peakRssKb(child.pid));
  }
  if (child.pid !== undefined) peak = Math.max(peak, peakRssKb(child.pid));
  child.stdin.end();
  assert.equal(await exited, 0, stderr);
  const linesIn = (block.length / line.length) * blocks;
  assert.equal(masks, linesIn, 'the password on every line was masked');
  assert.ok(outBytes > 120 * 1024 * 1024);
  assert.ok(peak > 0 && peak < 200 * 1024, `peak RSS ${Math.round(peak / 1024)} MiB for 128 MiB of input`);
});
