/**
 * `npm run bench`: every benchmark, peers side by side, printed as tables and saved as JSON in
 * bench/.work/results.json. Sizes: BENCH_MB (default 256) for throughput, BENCH_MEMORY_GIB
 * (default 2) for the memory run. Name benchmarks to run a subset: redact, logger, memory, accuracy.
 */
import { writeFileSync } from 'node:fs';
import { formatAccuracyBench, runAccuracyBench } from './accuracy.js';
import { formatAuditBench, runAuditBench } from './audit.js';
import { formatEgressBench, runEgressBench } from './egress.js';
import { formatLoggerBench, runLoggerBench } from './logger.js';
import { formatMemoryBench, runMemoryBench } from './memory.js';
import { formatRedactBench, runRedactBench } from './redact.js';
import { WORK, workFile } from './util.js';
import { formatVaultBench, runVaultBench } from './vault.js';

const megabytes = Number(process.env.BENCH_MB ?? '256');
const only = process.argv.slice(2);
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };

if (wanted('redact')) {
  const result = runRedactBench({ megabytes, peerMegabytes: Math.min(megabytes, 16) });
  results.redact = result;
  process.stdout.write(`\n## bulwark redact vs secretlint\n\n${formatRedactBench(result)}\n`);
}
if (wanted('logger')) {
  const result = runLoggerBench(200_000);
  results.logger = result;
  process.stdout.write(`\n## logger vs pino\n\n${formatLoggerBench(result)}\n`);
}
if (wanted('memory')) {
  const result = await runMemoryBench(Number(process.env.BENCH_MEMORY_GIB ?? '2'));
  results.memory = result;
  process.stdout.write(`\n## bulwark redact memory on a large stdin stream\n\n${formatMemoryBench(result)}\n`);
}
if (wanted('accuracy')) {
  const result = runAccuracyBench();
  results.accuracy = result;
  process.stdout.write(`\n## accuracy vs secretlint\n\n${formatAccuracyBench(result)}\n`);
}
if (wanted('audit')) {
  const result = await runAuditBench(Number(process.env.BENCH_AUDIT_RECORDS ?? '200000'));
  results.audit = result;
  process.stdout.write(`\n## audit log vs pino and better-sqlite3\n\n${formatAuditBench(result)}\n`);
}
if (wanted('vault')) {
  const result = await runVaultBench();
  results.vault = result;
  process.stdout.write(`\n## secrets vault: resolveSecret and unlock\n\n${formatVaultBench(result)}\n`);
}
if (wanted('egress')) {
  const result = await runEgressBench(Number(process.env.BENCH_EGRESS_TUNNELS ?? '2000'), Number(process.env.BENCH_EGRESS_MB ?? '256'));
  results.egress = result;
  process.stdout.write(`\n## egress proxy vs a direct connection\n\n${formatEgressBench(result)}\n`);
}
workFile('.keep', '');
writeFileSync(`${WORK}results.json`, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nresults: ${WORK}results.json\n`);
