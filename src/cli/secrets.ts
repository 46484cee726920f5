/**
 * `bulwark secrets ...`: the encrypted vault. Values come from stdin or a no-echo prompt, never from
 * argv; they are printed only by `get --reveal`.
 */
import { Option, type Command } from 'commander';
import { BulwarkError, EXIT } from '../errors/index.js';
import { loadRuntime, onExit } from '../runtime/index.js';
import { openAuditedVault, vaultOptionsFromPolicy } from '../services/index.js';
import { doctor, formatDoctor, type ProviderSetting, type SecretInfo, type Vault, type VaultOptions } from '../secrets/index.js';

interface SecretsFlags {
  vault?: string;
  provider?: ProviderSetting;
}

const MASK = '*****';
const MAX_STDIN_BYTES = 64 * 1024 + 2;

/** Reads a line from the terminal without echo. */
function readHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new BulwarkError('BWK_USAGE', 'cancelled at the prompt', { fix: 'run the command again' }));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function promptHidden(question: string, options: { readonly confirm: boolean }): Promise<string> {
  const first = await readHidden(question);
  if (options.confirm) {
    const again = await readHidden('Again, to confirm: ');
    if (again !== first) throw new BulwarkError('BWK_USAGE', 'the two entries differ', { fix: 'run the command again and type the same text twice' });
  }
  return first;
}

/** The value of a secret: a no-echo prompt on a terminal, else all of stdin minus one trailing newline. */
async function readValue(name: string): Promise<string> {
  if (process.stdin.isTTY) return promptHidden(`Value for ${name}: `, { confirm: false });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new BulwarkError('BWK_USAGE', `the value for ${name} on stdin is larger than 64 KiB`, { fix: 'store a credential, not a file' });
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

function parsePlugins(text: string): string[] {
  return text
    .split(',')
    .map((plugin) => plugin.trim())
    .filter((plugin) => plugin !== '');
}

export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('the encrypted vault: store secrets for plugins, out of argv, logs and plaintext files')
    .option('--vault <file>', 'the vault file (default: secrets.vaultPath, else $XDG_DATA_HOME/bulwark/vault.json)')
    .addOption(new Option('--provider <provider>', 'master-key provider (default: secrets.provider)').choices(['auto', 'keyring', 'env', 'passphrase']))
    .addHelpText(
      'after',
      '\nExamples:\n  printf %s "$TOKEN" | bulwark secrets set GITHUB_TOKEN --allow github-tools\n  bulwark secrets list\n  bulwark secrets get GITHUB_TOKEN --reveal\n  bulwark secrets import --from-env-file .env\n  bulwark secrets doctor',
    );

  const context = async (create: boolean): Promise<VaultOptions> => {
    const flags = secrets.opts<SecretsFlags>();
    const { loaded } = await loadRuntime({ configFile: program.opts<{ config?: string }>().config });
    return {
      ...vaultOptionsFromPolicy(loaded.policy, { vault: flags.vault, provider: flags.provider }),
      create,
      prompt: process.stdin.isTTY ? promptHidden : undefined,
      actor: 'cli',
    };
  };
  // Every command that reads or changes secrets writes to the audit log, whose signing key the
  // vault holds; the log is closed (with its final checkpoint) when the command ends, even on error.
  const vault = async (create = false): Promise<Vault> => {
    const runtime = await loadRuntime({ configFile: program.opts<{ config?: string }>().config });
    const audited = await openAuditedVault(runtime, await context(create));
    onExit(() => audited.close());
    return audited.vault;
  };

  secrets
    .command('set')
    .description('add or replace a secret; the value is read from stdin or a no-echo prompt')
    .argument('<name>', 'secret name, e.g. GITHUB_TOKEN')
    .argument('[value]', 'refused: values are never taken from the command line')
    .option('--allow <plugins>', 'comma-separated plugins that may use it ("*": any); default: keep the current list (none for a new secret)')
    .action(async (name: string, value: string | undefined, flags: { allow?: string }) => {
      if (value !== undefined) {
        throw new BulwarkError('BWK_USAGE', 'secret values are never taken from the command line: argv is visible to other processes and kept in shell history', {
          fix: `pipe it on stdin instead, e.g. printf %s "$VALUE" | bulwark secrets set ${name}, or run without a value to be prompted`,
        });
      }
      const plugins = flags.allow === undefined ? undefined : parsePlugins(flags.allow);
      const opened = await vault(true);
      const secret = await readValue(name);
      const result = await opened.set(name, secret, { plugins });
      process.stdout.write(`${result.created ? 'stored' : 'replaced'} ${name} (version ${result.version}) in ${opened.path}\n`);
    });

  secrets
    .command('get')
    .description(`show a secret: ${MASK} unless --reveal`)
    .argument('<name>', 'secret name')
    .option('--reveal', 'print the value itself')
    .action(async (name: string, flags: { reveal?: boolean }) => {
      const opened = await vault();
      if (flags.reveal === true) {
        process.stdout.write(`${await opened.get(name)}\n`);
        return;
      }
      if (!opened.has(name)) await opened.get(name); // the not-found error, audited
      process.stdout.write(`${MASK}\n`);
    });

  secrets
    .command('list')
    .description('list names, creation and last-rotation times, and the plugins that may use each')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const opened = await vault();
      const items = opened.list();
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ vault: opened.path, vaultId: opened.vaultId, provider: opened.provider.provider, keyRotatedAt: opened.keyRotatedAt, secrets: items }, null, 2)}\n`);
        return;
      }
      if (items.length === 0) {
        process.stdout.write(`no secrets in ${opened.path}\n`);
        return;
      }
      const width = Math.max(4, ...items.map((item) => item.name.length));
      const row = (cells: readonly string[]): string => `${(cells[0] ?? '').padEnd(width)}  ${(cells[1] ?? '').padEnd(24)}  ${(cells[2] ?? '').padEnd(24)}  ${cells[3] ?? ''}`.trimEnd();
      const plugins = (item: SecretInfo): string => (item.plugins.length === 0 ? '(cli only)' : item.plugins.join(','));
      process.stdout.write(`${row(['NAME', 'CREATED', 'ROTATED', 'PLUGINS'])}\n`);
      for (const item of items) process.stdout.write(`${row([item.name, item.createdAt, item.rotatedAt ?? '-', plugins(item)])}\n`);
    });

  secrets
    .command('allow')
    .description('set which plugins may use a secret ("*": any, "": none but the CLI user)')
    .argument('<name>', 'secret name')
    .argument('<plugins>', 'comma-separated plugin names')
    .action(async (name: string, plugins: string) => {
      const opened = await vault();
      const list = parsePlugins(plugins);
      await opened.setPlugins(name, list);
      process.stdout.write(`${name} may be used by: ${list.length === 0 ? '(cli only)' : list.join(', ')}\n`);
    });

  secrets
    .command('rm')
    .description('remove a secret')
    .argument('<name>', 'secret name')
    .action(async (name: string) => {
      const opened = await vault();
      await opened.remove(name);
      process.stdout.write(`removed ${name} from ${opened.path}\n`);
    });

  secrets
    .command('rotate-key')
    .description('re-encrypt every secret under a new random data key')
    .action(async () => {
      const opened = await vault();
      const result = await opened.rotateKey();
      process.stdout.write(`re-encrypted ${result.secrets} secret(s) under a new data key in ${opened.path}\n`);
    });

  secrets
    .command('import')
    .description('move the entries of a plaintext .env file into the vault')
    .requiredOption('--from-env-file <file>', 'the .env file to import')
    .option('--allow <plugins>', 'comma-separated plugins that may use the imported secrets')
    .option('--overwrite', 'replace secrets that already exist')
    .action(async (flags: { fromEnvFile: string; allow?: string; overwrite?: boolean }) => {
      const opened = await vault(true);
      const result = await opened.importEnvFile(flags.fromEnvFile, { plugins: flags.allow === undefined ? undefined : parsePlugins(flags.allow), overwrite: flags.overwrite === true });
      process.stdout.write(`imported ${result.imported.length} secret(s) into ${opened.path}${result.imported.length === 0 ? '' : `: ${result.imported.join(', ')}`}\n`);
      for (const skip of result.skipped) process.stdout.write(`skipped ${skip.name}: ${skip.reason}\n`);
      if (result.imported.length > 0) {
        process.stdout.write(`\nNow delete ${flags.fromEnvFile}: it still holds these secrets in plain text (e.g. shred -u ${flags.fromEnvFile}),\nand make sure it is not in version control.\n`);
      }
    });

  secrets
    .command('doctor')
    .description('which master-key provider is in use, and why the others are not')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const options = await context(false);
      const report = await doctor({ path: options.path, provider: options.provider, passphraseEnv: options.passphraseEnv, interactive: process.stdin.isTTY });
      process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
      process.exitCode = report.inUse !== null && report.vault.problem === null ? EXIT.ok : EXIT.findings;
    });
}
