/**
 * `bulwark redact [FILE...]`: masks secrets and PII in files or stdin and writes the result to
 * stdout, streaming in constant memory. `--json` prints the findings (rule, file, line, column,
 * never the secret) instead of the text.
 */
import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { BulwarkError, EXIT } from '../errors/index.js';
import { detectorsSchema, type StreamFinding } from '../redact/index.js';
import { loadRuntime } from '../runtime/index.js';

interface RedactFlags {
  json?: boolean;
  pii: boolean;
  rules?: string;
  disable?: string[];
  listRules?: boolean;
  rulesSchema?: boolean;
  jobs?: string;
}

/** Worker threads pay off only on large inputs (each costs ~50 ms to start). */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

function parseJobs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new BulwarkError('BWK_USAGE', `--jobs must be a whole number from 1 to 64, got "${value}"`, { fix: 'pass e.g. --jobs 2, or leave it out to choose by input size' });
  }
  return jobs;
}

/** Explicit --jobs wins; otherwise regular files of 16 MiB or more use up to 4 cores. */
function jobsFor(file: string, explicit: number | undefined): number {
  if (explicit !== undefined) return explicit;
  if (file === '-') return 1;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a file the user named
    const stats = statSync(file);
    return stats.isFile() && stats.size >= PARALLEL_MIN_BYTES ? Math.min(availableParallelism(), 4) : 1;
  } catch {
    return 1; // the read reports the error
  }
}

interface FileReport {
  readonly file: string;
  readonly findings: StreamFinding[];
}

function open(file: string): Readable {
  // 1 MiB reads: with the default 64 KiB the process spends a third of its time waiting on reads.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- reading the files the user named is this command's job
  return file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
}

function ioError(file: string, error: unknown): BulwarkError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new BulwarkError('BWK_IO', `cannot read ${file}: ${reason}`, { fix: 'name readable files, or pipe the text on stdin', details: { file } });
}

/** A sink that discards text: with --json only the findings are wanted. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => { callback(); } });
}

export function registerRedactCommand(program: Command): void {
  program
    .command('redact')
    .description('mask secrets and PII in files or stdin; the redacted text goes to stdout')
    .argument('[files...]', 'files to read ("-" or none: stdin)')
    .option('--json', 'print the findings as JSON instead of the redacted text')
    .option('--no-pii', 'mask secrets only, not e-mail addresses, phone, card, IBAN or SSN numbers')
    .option('--rules <file>', 'an extra detector rules file (same format as the built-in rules)')
    .option('--disable <ruleIds...>', 'rule ids not to apply')
    .option('-j, --jobs <n>', 'worker threads scanning in parallel (default: up to 4 for files of 16 MiB or more, else 1)')
    .option('--list-rules', 'list the detector rules and exit')
    .option('--rules-schema', 'print the JSON Schema of detector rules files and exit')
    .addHelpText('after', '\nExamples:\n  bulwark redact app.log > app.redacted.log\n  kubectl logs my-pod | bulwark redact\n  bulwark redact --json .env config.yaml')
    .action(async (files: string[], flags: RedactFlags) => {
      if (flags.rulesSchema === true) {
        process.stdout.write(`${JSON.stringify(detectorsSchema, null, 2)}\n`);
        return;
      }
      const { redactor } = await loadRuntime({
        configFile: program.opts<{ config?: string }>().config,
        // --no-pii only ever turns PII off; without it the policy decides.
        redaction: { pii: flags.pii ? undefined : false, extraRulesFile: flags.rules, disabledRules: flags.disable ?? [] },
      });
      if (flags.listRules === true) {
        const rules = redactor.listRules();
        if (flags.json === true) process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
        else for (const rule of rules) process.stdout.write(`${rule.id.padEnd(36)} ${rule.category.padEnd(7)} ${rule.description}\n`);
        return;
      }
      const explicitJobs = parseJobs(flags.jobs);
      const inputs = files.length === 0 ? ['-'] : files;
      const reports: FileReport[] = [];
      for (const file of inputs) {
        const findings: FileReport['findings'] = [];
        const jobs = jobsFor(file, explicitJobs);
        const stream = redactor.createStream(flags.json === true ? { jobs, onFinding: (finding) => findings.push(finding) } : { jobs });
        const sink = flags.json === true ? discard() : process.stdout;
        try {
          await pipeline(open(file), stream, sink, { end: flags.json === true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
          throw ioError(file, error);
        }
        reports.push({ file: file === '-' ? '<stdin>' : file, findings });
      }
      if (flags.json === true) {
        const total = reports.reduce((sum, report) => sum + report.findings.length, 0);
        process.stdout.write(`${JSON.stringify({ findings: total, files: reports }, null, 2)}\n`);
      }
      process.exitCode = EXIT.ok;
    });
}
