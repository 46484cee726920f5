/**
 * Throughput of `bulwark redact` against secretlint (--format mask-result, the closest peer mode:
 * it also writes the input back with secrets masked) on the same files: clean text and text with
 * a secret every ~200 bytes. Both run as CLIs end to end, best of three, so process start-up is
 * counted for both; the in-process figure isolates the engine.
 */
import { readFileSync } from 'node:fs';
import { createRedactor, SecretRegistry } from '../src/redact/index.js';
import { cleanText, denseText } from './corpus.js';
import { denseSecrets } from './secrets.js';
import { CLI, fixed, mbps, table, timeCommand, WORK, workFile } from './util.js';

export interface RedactBenchResult {
  readonly rows: { input: string; bytes: number; tool: string; mbPerSecond: number; findings: number | null }[];
  readonly ratios: { input: string; ratio: number }[];
  readonly inProcess: { input: string; mbPerSecond: number }[];
}

function countOccurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

export function runRedactBench(options: { megabytes: number; peerMegabytes: number }): RedactBenchResult {
  const bytes = options.megabytes * 1024 * 1024;
  const peerBytes = options.peerMegabytes * 1024 * 1024;
  const secrets = denseSecrets();
  const inputs = [
    { name: 'clean', text: cleanText(bytes, 11) },
    { name: 'dense (1 secret / 200 B)', text: denseText(bytes, secrets, 200, 12) },
  ];
  const rc = workFile('secretlintrc.json', JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const rows: RedactBenchResult['rows'] = [];
  const ratios: RedactBenchResult['ratios'] = [];
  const inProcess: RedactBenchResult['inProcess'] = [];
  for (const [index, input] of inputs.entries()) {
    const file = workFile(`redact-${index}.txt`, input.text);
    const peerText = input.text.slice(0, input.text.lastIndexOf('\n', peerBytes) + 1);
    const peerFile = workFile(`redact-${index}-peer.txt`, peerText);
    process.stderr.write(`bench redact: ${input.name}: bulwark on ${options.megabytes} MiB...\n`);
    const oursOut = `${WORK}redact-${index}.out`;
    const ours = timeCommand([process.execPath, CLI, 'redact', file], 3, { stdoutFile: oursOut });
    if (ours.status !== 0) throw new Error(`bulwark redact failed: ${ours.stderr}`);
    const oneJob = timeCommand([process.execPath, CLI, 'redact', '--jobs', '1', file], 3, { stdoutFile: oursOut });
    const oursSmallOut = `${WORK}redact-${index}-small.out`;
    const oursSmall = timeCommand([process.execPath, CLI, 'redact', peerFile], 3, { stdoutFile: oursSmallOut });
    process.stderr.write(`bench redact: ${input.name}: secretlint on ${options.peerMegabytes} MiB...\n`);
    const peerOut = `${WORK}secretlint-out-${index}.txt`;
    const peer = timeCommand([process.execPath, 'node_modules/secretlint/bin/secretlint.js', peerFile, '--secretlintrc', rc, '--format', 'mask-result', '--output', peerOut, '--no-color'], 1);
    const oursRate = mbps(Buffer.byteLength(input.text), ours.seconds);
    const oursSmallRate = mbps(Buffer.byteLength(peerText), oursSmall.seconds);
    const peerRate = mbps(Buffer.byteLength(peerText), peer.seconds);
    rows.push({ input: input.name, bytes: Buffer.byteLength(input.text), tool: 'bulwark redact (auto: 2 jobs)', mbPerSecond: oursRate, findings: countOccurrences(readFileSync(oursOut, 'utf8'), '*****') });
    rows.push({ input: input.name, bytes: Buffer.byteLength(input.text), tool: 'bulwark redact --jobs 1', mbPerSecond: mbps(Buffer.byteLength(input.text), oneJob.seconds), findings: null });
    rows.push({ input: input.name, bytes: Buffer.byteLength(peerText), tool: 'bulwark redact', mbPerSecond: oursSmallRate, findings: countOccurrences(readFileSync(oursSmallOut, 'utf8'), '*****') });
    rows.push({ input: input.name, bytes: Buffer.byteLength(peerText), tool: 'secretlint 11.7.1 (mask-result)', mbPerSecond: peerRate, findings: null });
    ratios.push({ input: input.name, ratio: oursSmallRate / peerRate });

    const redactor = createRedactor({ registry: new SecretRegistry() });
    const chunk = 1024 * 1024;
    const started = process.hrtime.bigint();
    for (let at = 0; at < input.text.length; at += chunk) redactor.find(input.text.slice(at, at + chunk));
    inProcess.push({ input: input.name, mbPerSecond: mbps(Buffer.byteLength(input.text), Number(process.hrtime.bigint() - started) / 1e9) });
  }
  return { rows, ratios, inProcess };
}

export function formatRedactBench(result: RedactBenchResult): string {
  const lines = [
    table([
      ['input', 'size', 'tool', 'MB/s', 'masks'],
      ...result.rows.map((row) => [row.input, `${fixed(row.bytes / 1024 / 1024, 0)} MiB`, row.tool, fixed(row.mbPerSecond), row.findings ?? '-']),
    ]),
    '',
    table([['input', 'bulwark / secretlint (same file)'], ...result.ratios.map((r) => [r.input, `${fixed(r.ratio)}x`])]),
    '',
    table([['input', 'engine in-process MB/s'], ...result.inProcess.map((r) => [r.input, fixed(r.mbPerSecond)])]),
  ];
  return lines.join('\n');
}
