/**
 * `bulwark policy validate|explain|schema|init`: thin wrappers around src/policy.
 */
import { writeFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BulwarkError, isBulwarkError } from '../errors/index.js';
import {
  DEFAULT_POLICY_FILE,
  POLICY_ENV_VAR,
  SCHEMA_URL,
  explainPolicy,
  formatExplainTable,
  initialPolicyText,
  loadPolicy,
  policySchemaId,
  policySchemaText,
  validatePolicyText,
  type LoadedPolicy,
} from '../policy/index.js';

interface GlobalOptions {
  config?: string;
  json?: boolean;
  force?: boolean;
}

/** A path as the user would type it: relative when inside the working directory. */
function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function countSources(loaded: LoadedPolicy): { file: number; env: number; defaults: number } {
  const counts = { file: 0, env: 0, defaults: 0 };
  for (const source of loaded.sources.values()) {
    if (source.kind === 'file') counts.file++;
    else if (source.kind === 'env') counts.env++;
    else counts.defaults++;
  }
  return counts;
}

/** With --json, a policy error is a result (printed on stdout, exit code set), not a crash. */
async function withJsonErrors(json: boolean | undefined, file: string | null, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (json !== true || !isBulwarkError(error)) throw error;
    const named = typeof error.details.file === 'string' ? error.details.file : file;
    write(JSON.stringify({ ok: false, file: named, error: error.toJSON() }, null, 2));
    process.exitCode = error.exitCode;
  }
}

async function validateCommand(file: string | undefined, options: GlobalOptions): Promise<void> {
  const named = file ?? options.config;
  await withJsonErrors(options.json, named ?? process.env.BULWARK_CONFIG ?? null, async () => {
    const loaded = await loadPolicy({ file: named, cwd: process.cwd(), env: process.env });
    const counts = countSources(loaded);
    if (options.json === true) {
      write(JSON.stringify({ ok: true, file: loaded.file, fromFile: counts.file + counts.env, fromEnv: counts.env, defaults: counts.defaults, hash: loaded.hash }, null, 2));
      return;
    }
    const fromEnv = counts.env > 0 ? `, ${counts.env} of them through \${VAR}` : '';
    if (loaded.file === null) {
      write(`ok: no policy file (no --config, no ${POLICY_ENV_VAR}, no ./${DEFAULT_POLICY_FILE}); the embedded defaults are valid (0 values from file, ${counts.defaults} defaults)`);
    } else {
      write(`ok: ${displayPath(loaded.file)} is valid (${counts.file + counts.env} values from file${fromEnv}, ${counts.defaults} defaults)`);
    }
  });
}

async function explainCommand(options: GlobalOptions): Promise<void> {
  const loaded = await loadPolicy({ file: options.config, cwd: process.cwd(), env: process.env });
  const entries = explainPolicy(loaded);
  if (options.json === true) {
    write(JSON.stringify(entries.map(({ path: pointer, value, source }) => ({ path: pointer, value, source })), null, 2));
    return;
  }
  const origin = loaded.file === null ? `embedded defaults (no ./${DEFAULT_POLICY_FILE}, --config or ${POLICY_ENV_VAR})` : displayPath(loaded.file);
  write([`policy: ${origin}`, `sha256: ${loaded.hash}`, '', formatExplainTable(entries)].join('\n'));
}

/** `$schema` for a new file: the installed schema when it sits below the folder, else the public id. */
function schemaReference(targetDir: string): string {
  const local = path.relative(targetDir, fileURLToPath(SCHEMA_URL));
  if (local !== '' && !local.startsWith('..') && !path.isAbsolute(local)) return `./${local.split(path.sep).join('/')}`;
  return policySchemaId();
}

async function initCommand(options: GlobalOptions): Promise<void> {
  const named = options.config ?? process.env.BULWARK_CONFIG;
  const target = path.resolve(process.cwd(), named !== undefined && named !== '' ? named : DEFAULT_POLICY_FILE);
  const text = initialPolicyText(schemaReference(path.dirname(target)));
  validatePolicyText(text, target, {}); // what init writes must load
  const fail = (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new BulwarkError('BWK_POLICY_EXISTS', `${displayPath(target)} already exists`, { fix: 'keep it, or pass --force to replace it', details: { file: target } });
    }
    throw new BulwarkError('BWK_IO', `cannot write ${target}: ${code ?? String(error)}`, { fix: 'check that the folder exists and is writable', details: { file: target }, cause: error });
  };
  if (options.force === true) {
    // A fresh 0600 file renamed over the old one: the old file's looser mode is not inherited.
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator names the policy file
      await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator names the policy file
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      fail(error);
    }
  } else {
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator names the policy file
      await writeFile(target, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      fail(error);
    }
  }
  write(`wrote ${displayPath(target)} (mode 0600); every field left out keeps its secure default. Next: bulwark policy explain`);
}

export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description(`check, explain and create the policy file (${DEFAULT_POLICY_FILE})`);

  policy
    .command('validate')
    .description('check a policy file against the schema and the semantic rules; exit 2 when it has problems')
    .argument('[file]', `policy file (default: --config, $${POLICY_ENV_VAR}, ./${DEFAULT_POLICY_FILE}, else the embedded defaults)`)
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, _options: unknown, command: Command) => {
      await validateCommand(file, command.optsWithGlobals<GlobalOptions>());
    });

  policy
    .command('explain')
    .description('print every effective value and its source (default, file or env); secrets as *****')
    .option('--json', 'print an array of { path, value, source }')
    .action(async (_options: unknown, command: Command) => {
      await explainCommand(command.optsWithGlobals<GlobalOptions>());
    });

  policy
    .command('schema')
    .description('print the JSON Schema of the policy file (for editors and reviews)')
    .action(() => {
      write(policySchemaText());
    });

  policy
    .command('init')
    .description(`write a minimal, commented ${DEFAULT_POLICY_FILE} (mode 0600) with secure defaults`)
    .option('--force', 'replace an existing file')
    .action(async (_options: unknown, command: Command) => {
      await initCommand(command.optsWithGlobals<GlobalOptions>());
    });
}
