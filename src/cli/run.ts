/**
 * `bulwark run [--manifest FILE] [--explain] [--json] -- COMMAND [ARGS...]`: runs COMMAND in the
 * OS sandbox with only what the manifest grants (plus the runtime it needs to start). Without
 * --manifest nothing beyond that runtime is granted. Exits with the command's status; 125 when
 * bulwark or the sandbox fails.
 */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { BulwarkError } from '../errors/index.js';
import { loadManifest, resolveGrants } from '../manifest/index.js';
import { loadRuntime } from '../runtime/index.js';
import { launch, planLaunch, type LaunchPlan } from '../sandbox/index.js';

interface RunFlags {
  manifest?: string;
  explain?: boolean;
  json?: boolean;
}

const LANDLOCK = 'landlock: best ABI the kernel offers (checked at start; refuses if absent)';
const MECHANISMS = [
  'namespaces: user, mount, pid, ipc, uts, net (new root holding only the grants; fresh /proc; minimal read-only /dev)',
  LANDLOCK,
  'seccomp: syscall filter (no new namespaces, no ptrace; threads only unless process.spawn is granted)',
  'privileges: no_new_privs, no capabilities, setsid',
  'network: none (own network namespace with only lo)',
];

function explainText(plan: LaunchPlan, level: string, manifestFile: string | null): string {
  const lines = [`manifest: ${manifestFile ?? '(none: nothing granted beyond the runtime)'}`, 'grants:'];
  for (const grant of plan.grants) lines.push(`  ${grant.access}  ${grant.path}  (${grant.source})`);
  lines.push(`env: ${plan.envNames.join(', ')}`);
  lines.push(`secrets: ${plan.secretNames.length === 0 ? '(none)' : plan.secretNames.join(', ')}`);
  const { limits } = plan;
  lines.push(`limits: memory ${limits.memoryMb} MiB (RLIMIT_AS), cpu ${limits.cpuSeconds} s, processes ${limits.processes ?? 'not limited'}, file size ${limits.outputMb} MiB`);
  lines.push(`level: ${level}`, 'mechanisms:', ...MECHANISMS.map((line) => `  ${line}`));
  for (const note of plan.notes) lines.push(`note: ${note}`);
  lines.push(`command: ${plan.argv.slice(plan.argv.indexOf('--') + 1).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a command (a plugin or MCP server) in the OS sandbox with only what its manifest grants')
    .option('-m, --manifest <file>', 'the plugin manifest (bulwark.manifest.json); without it nothing beyond the runtime is granted')
    .option('--explain', 'print every grant, the environment names, the limits and the mechanisms, then exit')
    .option('--json', 'with --explain: print JSON')
    .argument('[command...]', 'the command and its arguments, after --')
    .allowUnknownOption()
    .addHelpText('after', '\nExamples:\n  bulwark run -- /bin/echo hi\n  bulwark run --manifest ./bulwark.manifest.json -- node server.js\n  bulwark run --manifest ./bulwark.manifest.json --explain -- node server.js')
    .action(async (command: string[], flags: RunFlags) => {
      if (command.length === 0) throw new BulwarkError('BWK_USAGE', 'no command given', { fix: 'bulwark run [--manifest FILE] -- COMMAND [ARGS...]' });
      const runtime = await loadRuntime({ configFile: program.opts<{ config?: string }>().config });
      const { policy } = runtime.loaded;
      const loaded = await loadManifest(flags.manifest ?? null);
      const env = process.env;
      const resolved = resolveGrants(loaded.manifest, { manifestDir: loaded.dir, home: env.HOME ?? homedir(), command, env, protectedPatterns: policy.filesystem.protectedPatterns });
      const plan = planLaunch({ manifest: loaded.manifest, resolved, policy: policy.sandbox, env });
      if (flags.explain === true) {
        if (flags.json === true) {
          const report = { manifest: loaded.file, grants: plan.grants, env: plan.envNames, secrets: plan.secretNames, limits: plan.limits, level: policy.sandbox.level, allowWeaker: policy.sandbox.allowWeaker, mechanisms: MECHANISMS, notes: plan.notes, command: plan.argv.slice(plan.argv.indexOf('--') + 1) };
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          process.stdout.write(explainText(plan, policy.sandbox.level, loaded.file));
        }
        process.exitCode = 0;
        return;
      }
      process.exitCode = await launch(plan);
    });
}
