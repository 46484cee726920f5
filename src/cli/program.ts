/**
 * The bulwark command line. Each command lives in its own file and registers itself here; this
 * file only wires them up and turns errors into messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { BulwarkError, EXIT, exitCodeOf, formatError } from '../errors/index.js';
import { registerAuditCommands } from './audit.js';
import { registerDoctorCommand } from './doctor.js';
import { registerPolicyCommands } from './policy.js';
import { registerRedactCommand } from './redact.js';
import { registerRunCommand } from './run.js';
import { registerSecretsCommands } from './secrets.js';
import { runExitCleanups } from '../runtime/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('bulwark')
    .description('Secure-by-default tool layer for AI agents')
    .version(VERSION, '-V, --version')
    .option('-c, --config <file>', 'policy file (default: $BULWARK_CONFIG, else ./bulwark.config.json if present, else embedded defaults)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerPolicyCommands(program);
  registerRedactCommand(program);
  registerSecretsCommands(program);
  registerAuditCommands(program);
  registerRunCommand(program);
  registerDoctorCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    await runExitCleanups();
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    try {
      await runExitCleanups();
    } catch (cleanupError) {
      process.stderr.write(`${formatError(cleanupError)}\n`);
    }
    if (error instanceof CommanderError) {
      // Help and version are successful exits; everything else commander reports is usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

export function usageError(message: string, fix: string): BulwarkError {
  return new BulwarkError('BWK_USAGE', message, { fix });
}
