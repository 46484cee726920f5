/**
 * Turns an effective policy into the process-wide services every command shares: the redactor
 * (with the policy's rules and every secret the process knows registered) and the logger.
 */
import { dirname, resolve } from 'node:path';
import { createLogger, type Logger } from '../log/index.js';
import { loadPolicy, policySecretValues, type LoadedPolicy, type Policy } from '../policy/index.js';
import { builtinDetectors, compileKeyPatterns, defaultRegistry, loadDetectorFile, Redactor, setDefaultRedactor } from '../redact/index.js';

export interface Runtime {
  readonly loaded: LoadedPolicy;
  readonly redactor: Redactor;
  readonly logger: Logger;
}

export interface RedactionOverrides {
  readonly pii?: boolean;
  readonly extraRulesFile?: string;
  readonly disabledRules?: readonly string[];
}

/**
 * The redactor the policy describes. `policyFile` anchors a relative `redaction.extraRulesFile`;
 * a rules file named in `overrides` (a command-line flag) is relative to the working directory.
 */
export function redactorFromPolicy(
  policy: Policy,
  policyFile: string | null,
  overrides: RedactionOverrides = {},
): Redactor {
  const { redaction } = policy;
  const extra: string | null =
    overrides.extraRulesFile ?? (redaction.extraRulesFile === null ? null : resolve(policyFile === null ? process.cwd() : dirname(policyFile), redaction.extraRulesFile));
  defaultRegistry.setMinLength(redaction.minRegisteredSecretLength);
  return new Redactor({
    pii: overrides.pii ?? redaction.pii,
    keys: redaction.keys,
    nonSecretKeys: redaction.nonSecretKeys,
    disabledRules: [...redaction.disabledRules, ...(overrides.disabledRules ?? [])],
    detectors: extra === null ? [builtinDetectors()] : [builtinDetectors(), loadDetectorFile(extra)],
    registry: defaultRegistry,
  });
}

/**
 * Registers the values bulwark already holds in clear: policy fields marked secret and environment
 * variables whose names are sensitive keys (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, ...).
 */
export function registerKnownSecrets(loaded: LoadedPolicy, env: NodeJS.ProcessEnv): number {
  let count = 0;
  for (const value of policySecretValues(loaded.policy)) if (defaultRegistry.register(value, 'policy-secret')) count++;
  const sensitive = compileKeyPatterns(loaded.policy.redaction.keys, loaded.policy.redaction.nonSecretKeys);
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && sensitive.matches(name) && defaultRegistry.register(value, `env:${name}`)) count++;
  }
  return count;
}

export interface RuntimeOptions {
  readonly configFile?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line overrides of the policy's redaction section. */
  readonly redaction?: RedactionOverrides;
}

export async function loadRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = options.env ?? process.env;
  const loaded = await loadPolicy({ file: options.configFile, cwd: options.cwd ?? process.cwd(), env });
  const redactor = redactorFromPolicy(loaded.policy, loaded.file, options.redaction);
  setDefaultRedactor(redactor);
  registerKnownSecrets(loaded, env);
  let logger: Logger | undefined;
  return {
    loaded,
    redactor,
    get logger(): Logger {
      logger ??= createLogger({ level: loaded.policy.log.level, format: loaded.policy.log.format, redactor });
      return logger;
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];

/** Something to finish before the process exits, whether the command succeeded or failed (closing the audit log). */
export function onExit(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Runs the registered cleanups once, newest first; the CLI calls it after every command. */
export async function runExitCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}
