/**
 * The redaction engine: used by everything that logs, audits or returns tool output.
 *
 *   const redactor = createRedactor({ pii: true });
 *   redactor.redactString('token=ghp_...').text          // 'token=*****'
 *   redactor.redactValue({ headers: { authorization: 'Bearer x' } }).value
 *   input.pipe(redactor.createStream()).pipe(output)
 *
 * Secrets bulwark knows (vault, env, config) are registered with `registerSecret` and masked
 * everywhere, raw and encoded.
 */
import { setErrorMessageFilter } from '../errors/index.js';
import { builtinDetectors, type DetectorFile } from './detectors.js';
import { Engine, type Finding, type RedactResult, type RuleInfo } from './engine.js';
import { compileKeyPatterns, DEFAULT_NON_SECRET_KEYS, DEFAULT_SENSITIVE_KEYS, type KeyMatcher } from './keys.js';
import { SecretRegistry } from './registry.js';
import { WorkerFinder, type RedactorConfig } from './parallel.js';
import { RedactStream, type BatchFinder, type StreamFinding } from './stream.js';
import { redactValue, type ValueFinding } from './value.js';

export { MASK, applyMask, resolveOverlaps } from './engine.js';
export type { Finding, RedactResult, RuleInfo } from './engine.js';
export type { ValueFinding } from './value.js';
export type { StreamFinding } from './stream.js';
export type { RedactorConfig } from './parallel.js';
export type { DetectorFile, DetectorRule } from './detectors.js';
export { builtinDetectors, checkDetectorFile, loadDetectorFile, detectorsSchema } from './detectors.js';
export { compileKeyPatterns, DEFAULT_NON_SECRET_KEYS, DEFAULT_SENSITIVE_KEYS, normalizeKey } from './keys.js';
export { SecretRegistry, encodedVariants } from './registry.js';
export { AhoCorasick } from './ahocorasick.js';
export { shannonEntropy, VALIDATORS } from './validators/index.js';

export interface RedactorOptions {
  /** Mask PII (e-mail, phone, card numbers, IBAN, SSN) as well as secrets. Default true. */
  readonly pii?: boolean;
  /** Sensitive key globs; default DEFAULT_SENSITIVE_KEYS. */
  readonly keys?: readonly string[];
  /** Exceptions to `keys`; default DEFAULT_NON_SECRET_KEYS. */
  readonly nonSecretKeys?: readonly string[];
  /** Rule ids to skip (the key-value rule is `sensitive-key`). */
  readonly disabledRules?: readonly string[];
  /** Detector files; default the built-in rules. Add a policy's extra file here. */
  readonly detectors?: readonly DetectorFile[];
  /** Where registered secrets live; default the process-wide registry. */
  readonly registry?: SecretRegistry;
}

export class Redactor {
  readonly engine: Engine;
  readonly registry: SecretRegistry;
  private readonly keys: KeyMatcher;

  constructor(private readonly options: RedactorOptions = {}) {
    this.registry = options.registry ?? defaultRegistry;
    this.keys = compileKeyPatterns(options.keys ?? DEFAULT_SENSITIVE_KEYS, options.nonSecretKeys ?? DEFAULT_NON_SECRET_KEYS);
    this.engine = new Engine({
      detectors: options.detectors ?? [builtinDetectors()],
      pii: options.pii ?? true,
      disabledRules: options.disabledRules ?? [],
      keys: this.keys,
      registry: this.registry,
    });
  }

  redactString(text: string): RedactResult {
    return this.engine.redact(text);
  }

  /** Findings only; the text is not copied. */
  find(text: string): Finding[] {
    return this.engine.find(text);
  }

  redactValue(value: unknown): { value: unknown; findings: ValueFinding[] } {
    return redactValue(value, { redactText: (text) => this.engine.redact(text), isSensitiveKey: (key) => this.keys.matches(key) });
  }

  /** The rules in force (registered secrets are matched too, under their own labels). */
  listRules(): RuleInfo[] {
    return [...this.engine.rules];
  }

  isSensitiveKey(key: string): boolean {
    return this.keys.matches(key);
  }

  /**
   * A Transform stream (bytes in, UTF-8 text out) that masks across chunk boundaries. With
   * `jobs` > 1 the scanning runs on that many worker threads; the output order is kept.
   */
  createStream(options: { onFinding?: (finding: StreamFinding) => void; jobs?: number; batchSize?: number } = {}): RedactStream {
    const engine = this.engine;
    const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
    const finder: BatchFinder =
      jobs > 1 ? new WorkerFinder(this.config(), jobs, engine.overlap(), (region) => engine.find(region)) : { find: (region) => engine.find(region), overlap: () => engine.overlap() };
    return new RedactStream(finder, { onFinding: options.onFinding, batchSize: options.batchSize, maxInFlight: jobs * 2 });
  }

  /** A plain description of this redactor, from which a worker thread builds the same one. */
  config(): RedactorConfig {
    return {
      pii: this.options.pii ?? true,
      keys: this.options.keys ?? DEFAULT_SENSITIVE_KEYS,
      nonSecretKeys: this.options.nonSecretKeys ?? DEFAULT_NON_SECRET_KEYS,
      disabledRules: this.options.disabledRules ?? [],
      detectors: this.options.detectors ?? [builtinDetectors()],
      minRegisteredLength: this.registry.minimumLength,
      registered: [...this.registry.entries()],
    };
  }
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  return new Redactor(options);
}

/** The process-wide registry of secret values to mask everywhere. */
export const defaultRegistry = new SecretRegistry();

let defaultRedactor: Redactor | undefined;

/** The redactor every module uses unless it was configured with its own (the logger, errors). */
export function getDefaultRedactor(): Redactor {
  defaultRedactor ??= new Redactor();
  return defaultRedactor;
}

/** Replaces the process-wide redactor, e.g. after the policy was loaded. */
export function setDefaultRedactor(redactor: Redactor): void {
  defaultRedactor = redactor;
}

/**
 * Registers a secret value so it is masked in every log line, error, audit record and tool result.
 * Returns false when the value is too short to mask safely (policy redaction.minRegisteredSecretLength).
 */
export function registerSecret(value: string, label?: string): boolean {
  return defaultRegistry.register(value, label);
}

// Error messages and stacks pass through the default redactor, so a secret quoted in an error
// (a bad config value, a failed URL) never reaches the terminal or a log.
setErrorMessageFilter((text) => getDefaultRedactor().redactString(text).text);
