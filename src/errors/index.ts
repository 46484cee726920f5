/**
 * Typed errors with stable codes. Every error a user can meet says what was wrong and what to do,
 * and maps to a documented exit code (README "Exit codes").
 */

export const EXIT = {
  ok: 0,
  /** Findings reported, or an operation was denied. */
  findings: 1,
  /** Usage or configuration error: the user can fix it. */
  usage: 2,
  /** bulwark itself failed or refused to start. */
  internal: 125,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Stable error codes. Adding one is fine; renaming one is a breaking change. */
export const ERROR_CODES = {
  BWK_USAGE: { exit: EXIT.usage, summary: 'bad command-line usage' },
  BWK_POLICY_NOT_FOUND: { exit: EXIT.usage, summary: 'the named policy file does not exist' },
  BWK_POLICY_PARSE: { exit: EXIT.usage, summary: 'the policy file is not valid JSON' },
  BWK_POLICY_INVALID: { exit: EXIT.usage, summary: 'the policy file does not match the schema' },
  BWK_POLICY_INSECURE_PERMISSIONS: { exit: EXIT.usage, summary: 'the policy file is writable by group or others' },
  BWK_POLICY_ENV_MISSING: { exit: EXIT.usage, summary: 'a ${VAR} in the policy names an unset environment variable' },
  BWK_POLICY_ENV_NOT_ALLOWED: { exit: EXIT.usage, summary: '${VAR} interpolation used in a field that does not allow it' },
  BWK_POLICY_EXISTS: { exit: EXIT.usage, summary: 'policy init would overwrite an existing policy file' },
  BWK_REDACT_RULES_INVALID: { exit: EXIT.usage, summary: 'a detector rules file does not match its schema' },
  BWK_IO: { exit: EXIT.usage, summary: 'a file could not be read or written' },
  BWK_VAULT_NOT_FOUND: { exit: EXIT.usage, summary: 'the secrets vault file does not exist yet' },
  BWK_VAULT_LOCKED: { exit: EXIT.usage, summary: 'the vault cannot be unlocked: wrong or missing master key or passphrase' },
  BWK_VAULT_TAMPERED: { exit: EXIT.findings, summary: 'the vault file is truncated, corrupt or was modified outside bulwark' },
  BWK_VAULT_PERMISSIONS: { exit: EXIT.usage, summary: 'the vault file or its folder is accessible by group or others' },
  BWK_SECRET_NOT_FOUND: { exit: EXIT.usage, summary: 'no secret by that name in the vault' },
  BWK_SECRET_DENIED: { exit: EXIT.findings, summary: 'the requester is not on the secret\'s plugin allow-list' },
  BWK_KEYSTORE_UNAVAILABLE: { exit: EXIT.usage, summary: 'the configured master-key provider cannot work on this machine' },
  BWK_MASTER_KEY_INVALID: { exit: EXIT.usage, summary: 'BULWARK_MASTER_KEY is not base64 of exactly 32 bytes' },
  BWK_AUDIT_UNAVAILABLE: { exit: EXIT.internal, summary: 'the audit log cannot be written; operations that must be audited are denied' },
  BWK_AUDIT_VERIFY_FAILED: { exit: EXIT.findings, summary: 'the audit log failed verification (modified, deleted, reordered, truncated or badly signed records)' },
  BWK_MANIFEST_NOT_FOUND: { exit: EXIT.usage, summary: 'the named plugin manifest does not exist' },
  BWK_MANIFEST_PARSE: { exit: EXIT.usage, summary: 'the plugin manifest is not valid JSON' },
  BWK_MANIFEST_INVALID: { exit: EXIT.usage, summary: 'the plugin manifest does not match the schema' },
  BWK_GRANT_REFUSED: { exit: EXIT.usage, summary: 'a manifest grant is too broad or names a protected path' },
  BWK_SANDBOX_UNAVAILABLE: { exit: EXIT.internal, summary: 'the sandbox cannot be set up as the policy requires on this machine' },
  BWK_INTERNAL: { exit: EXIT.internal, summary: 'bulwark failed; this is a bug' },
} as const satisfies Record<string, { exit: ExitCode; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Errors may quote user input, and user input may hold a secret. The redaction engine installs a
 * filter here on load so that no error message or stack ever carries a registered secret.
 */
type MessageFilter = (text: string) => string;
let messageFilter: MessageFilter = (text) => text;

export function setErrorMessageFilter(filter: MessageFilter): void {
  messageFilter = filter;
}

export function filterErrorText(text: string): string {
  return messageFilter(text);
}

export interface BulwarkErrorOptions {
  /** What the user should do about it; printed on its own line. */
  fix?: string;
  /** Machine-readable details (JSON path, file, ...). Never put secret values here. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class BulwarkError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BulwarkErrorOptions = {}) {
    super(filterErrorText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BulwarkError';
    this.code = code;
    this.fix = options.fix === undefined ? undefined : filterErrorText(options.fix);
    this.details = options.details ?? {};
    if (this.stack !== undefined) this.stack = filterErrorText(this.stack);
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, fix: this.fix, details: this.details };
  }
}

export function isBulwarkError(value: unknown): value is BulwarkError {
  return value instanceof BulwarkError;
}

/** A person-readable rendering: the code and message, then the fix on its own line. */
export function formatError(error: unknown): string {
  if (isBulwarkError(error)) {
    const lines = [`bulwark: ${error.code}: ${error.message}`];
    if (error.fix !== undefined) lines.push(`  fix: ${error.fix}`);
    return lines.join('\n');
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `bulwark: BWK_INTERNAL: ${filterErrorText(text)}\n  fix: this is a bug in bulwark; please report it (see SECURITY.md for security-relevant bugs)`;
}

export function exitCodeOf(error: unknown): ExitCode {
  return isBulwarkError(error) ? error.exitCode : EXIT.internal;
}
