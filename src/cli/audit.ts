/**
 * `bulwark audit`: verify the tamper-evident log, read it (tail, query, export), prune old
 * segments, and export the public key that pins verification.
 */
import { writeSync, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  auditDirOf,
  auditPolicyOnStart,
  csvRow,
  decodePublicKey,
  CSV_COLUMNS,
  formatRecord,
  lastRecords,
  listSegments,
  openAuditLog,
  parseRecord,
  parseTime,
  queryRecords,
  readPublicKeyFile,
  readSegmentLines,
  verifyLog,
  type AuditQuery,
  type AuditRecord,
} from '../audit/index.js';
import { defaultStateDir } from '../audit/index.js';
import { BulwarkError, EXIT } from '../errors/index.js';
import { loadRuntime, type Runtime } from '../runtime/index.js';
import { openVault } from '../secrets/index.js';
import { auditSignerFromVault, vaultOptionsFromPolicy } from '../services/index.js';

interface StateFlags {
  stateDir?: string;
}

interface QueryFlags extends StateFlags {
  since?: string;
  until?: string;
  type?: string;
  actor?: string;
  subject?: string;
  decision?: string;
  json?: boolean;
}

async function context(program: Command, flags: StateFlags): Promise<{ runtime: Runtime; stateDir: string; dir: string }> {
  const runtime = await loadRuntime({ configFile: program.opts<{ config?: string }>().config });
  const stateDir = resolve(flags.stateDir ?? runtime.loaded.policy.audit.stateDir ?? defaultStateDir(process.env));
  return { runtime, stateDir, dir: auditDirOf(stateDir) };
}

function out(text: string): void {
  writeSync(1, text);
}

function parseCount(value: string, flag: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new BulwarkError('BWK_USAGE', `${flag} must be a whole number, got "${value}"`, { fix: `pass e.g. ${flag} 20` });
  return count;
}

function toQuery(flags: QueryFlags, now: number): AuditQuery {
  if (flags.decision !== undefined && flags.decision !== 'allow' && flags.decision !== 'deny') {
    throw new BulwarkError('BWK_USAGE', `--decision must be allow or deny, got "${flags.decision}"`, { fix: 'pass --decision allow or --decision deny' });
  }
  return {
    since: flags.since === undefined ? undefined : parseTime(flags.since, now, '--since'),
    until: flags.until === undefined ? undefined : parseTime(flags.until, now, '--until'),
    type: flags.type,
    actor: flags.actor,
    subject: flags.subject,
    decision: flags.decision,
  };
}

function print(record: AuditRecord, line: string, json: boolean): void {
  out(`${json ? line : formatRecord(record)}\n`);
}

/** Polls the newest segment for complete lines after `from` (seq); follows rotation. */
function follow(dir: string, json: boolean, afterSeq: number): void {
  let last = afterSeq;
  const poll = (): void => {
    for (const segment of listSegments(dir).slice(-2)) {
      for (const line of readSegmentLines(segment)) {
        if (!line.terminated) continue;
        const record = parseRecord(line.text);
        if (typeof record === 'string' || record.seq <= last) continue;
        last = record.seq;
        print(record, line.text, json);
      }
    }
  };
  setInterval(poll, 250);
}

const STATE_DIR_HELP = 'state folder (the log is its audit/ subfolder); default: audit.stateDir, else $XDG_STATE_HOME/bulwark or ~/.local/state/bulwark';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log: verify, tail, query, export, prune');

  audit
    .command('verify')
    .description('check every hash, the chain, the checkpoint signatures, and that nothing was cut off; exit 1 naming the first bad record')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--public-key <file>', 'the Ed25519 public key (PEM) the log must be signed with (from `bulwark audit public-key`)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: StateFlags & { publicKey?: string; json?: boolean }) => {
      const { dir } = await context(program, flags);
      const pinnedKey = flags.publicKey === undefined ? undefined : readPublicKeyFile(flags.publicKey);
      const started = process.hrtime.bigint();
      const report = verifyLog(dir, { pinnedKey });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (flags.json === true) {
        out(`${JSON.stringify({ dir, ...report, seconds }, null, 2)}\n`);
      } else {
        out(`${dir}: ${report.records} records${report.firstSeq === null ? '' : ` (seq ${report.firstSeq}..${report.lastSeq ?? ''})`}, ${report.checkpoints} signed checkpoints, ${(report.bytes / 1e6).toFixed(1)} MB\n`);
        if (report.keys.length > 0) out(`signing key: ${report.keys.map((key) => key.slice(0, 16)).join(', ')}${report.pinned ? ' (pinned)' : ''}\n`);
        for (const note of report.notes) out(`note: ${note}\n`);
        out(report.ok ? 'ok: the chain, every hash and every checkpoint signature verify\n' : `FAILED: ${report.problem?.kind ?? ''}: ${report.problem?.message ?? ''}\n`);
      }
      if (!report.ok && report.problem !== null) {
        const { kind, seq, message } = report.problem;
        throw new BulwarkError('BWK_AUDIT_VERIFY_FAILED', `${kind}${seq === null ? '' : ` at seq ${seq}`}: ${message}`, {
          fix: 'treat the log as tampered with from that record on; keep a copy as evidence and investigate who had write access to the state folder',
          details: { ...report.problem },
        });
      }
      process.exitCode = EXIT.ok;
    });

  audit
    .command('tail')
    .description('print the last records (and follow new ones with -f)')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('-n, --lines <n>', 'how many records', '10')
    .option('-f, --follow', 'keep printing records as they are written (Ctrl-C to stop)')
    .option('--json', 'print records as JSON lines')
    .action(async (flags: StateFlags & { lines: string; follow?: boolean; json?: boolean }) => {
      const { dir } = await context(program, flags);
      const items = lastRecords(dir, parseCount(flags.lines, '--lines'));
      for (const { record, line } of items) print(record, line, flags.json === true);
      if (flags.follow === true) {
        follow(dir, flags.json === true, items[items.length - 1]?.record.seq ?? 0);
        await new Promise<never>(() => undefined);
      }
    });

  audit
    .command('query')
    .description('print the records that match every filter given')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--since <time>', 'from this time: ISO date, or an age such as 2h, 7d')
    .option('--until <time>', 'up to this time: ISO date, or an age')
    .option('--type <type>', 'record type, e.g. tool.call; sandbox.* for a prefix')
    .option('--actor <actor>', 'who acted')
    .option('--subject <subject>', 'what it was about')
    .option('--decision <decision>', 'allow or deny')
    .option('--json', 'print records as JSON lines')
    .addHelpText('after', '\nExamples:\n  bulwark audit query --type tool.call --decision deny --since 24h\n  bulwark audit query --actor alice --json | jq .subject')
    .action(async (flags: QueryFlags) => {
      const { dir } = await context(program, flags);
      for (const { record, line } of queryRecords(dir, toQuery(flags, Date.now()))) print(record, line, flags.json === true);
    });

  audit
    .command('export')
    .description('write the log (or the records matching the filters) as JSON Lines or CSV')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('-o, --output <file>', 'write to a file (mode 0600) instead of stdout')
    .option('--since <time>', 'from this time')
    .option('--until <time>', 'up to this time')
    .option('--type <type>', 'record type')
    .option('--actor <actor>', 'who acted')
    .option('--subject <subject>', 'what it was about')
    .option('--decision <decision>', 'allow or deny')
    .action(async (flags: QueryFlags & { format: string; output?: string }) => {
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new BulwarkError('BWK_USAGE', `--format must be jsonl or csv, got "${flags.format}"`, { fix: 'pass --format jsonl or --format csv' });
      const { dir } = await context(program, flags);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the output file the user named
      const sink = flags.output === undefined ? null : createWriteStream(flags.output, { mode: 0o600 });
      const write = (text: string): void => {
        if (sink === null) out(text);
        else sink.write(text);
      };
      if (flags.format === 'csv') write(`${CSV_COLUMNS.join(',')}\n`);
      for (const { record, line } of queryRecords(dir, toQuery(flags, Date.now()))) write(`${flags.format === 'csv' ? csvRow(record) : line}\n`);
      if (sink !== null) await new Promise<void>((done, fail) => sink.end((error?: Error | null) => { if (error) fail(error); else done(); }));
    });

  audit
    .command('prune')
    .description('delete whole segments older than the retention period, recording what was deleted (also done on every open)')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--days <n>', 'retention in days (default: audit.retentionDays)')
    .option('--json', 'print what was deleted as JSON')
    .action(async (flags: StateFlags & { days?: string; json?: boolean }) => {
      const { runtime, stateDir } = await context(program, flags);
      const policy = runtime.loaded.policy.audit;
      const days = flags.days === undefined ? policy.retentionDays : parseCount(flags.days, '--days');
      if (days < 1) throw new BulwarkError('BWK_USAGE', '--days must be at least 1', { fix: 'pass e.g. --days 90' });
      // The signing key is kept in the vault (src/services).
      const signer = await auditSignerFromVault(await openVault({ ...vaultOptionsFromPolicy(runtime.loaded.policy), create: true }));
      const log = await openAuditLog({ stateDir, policy, signer, redactor: runtime.redactor, autoPrune: false });
      let result;
      try {
        await auditPolicyOnStart(log, runtime.loaded);
        result = await log.prune(days);
      } finally {
        await log.close();
      }
      if (flags.json === true) out(`${JSON.stringify({ retentionDays: days, deleted: result.deleted, record: result.receipt }, null, 2)}\n`);
      else if (result.deleted.length === 0) out(`nothing older than ${days} days\n`);
      else for (const item of result.deleted) out(`deleted ${item.file} (seq ${item.firstSeq}..${item.lastSeq}, last record ${item.lastTime})\n`);
    });

  audit
    .command('public-key')
    .description('print the public key checkpoints are signed with (PEM), to keep elsewhere and pass to verify --public-key')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (flags: StateFlags) => {
      const { dir, stateDir } = await context(program, flags);
      // The newest `audit.key` record names the key in use; the private half stays in the vault.
      const segments = listSegments(dir);
      const newest = segments[segments.length - 1];
      const first = newest === undefined ? undefined : readSegmentLines(newest).next();
      const record = first === undefined || first.done === true ? undefined : parseRecord(first.value.text);
      const encoded = typeof record === 'object' && record.type === 'audit.key' ? (record.data as { publicKey?: unknown }).publicKey : undefined;
      if (typeof encoded !== 'string') {
        throw new BulwarkError('BWK_IO', `no audit log with a key record in ${stateDir}`, { fix: 'the key is recorded when the log is first written (any `bulwark secrets` change, or `bulwark audit prune`)' });
      }
      out(decodePublicKey(encoded).export({ type: 'spki', format: 'pem' }).toString());
    });
}
