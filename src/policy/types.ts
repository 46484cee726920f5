/**
 * The effective policy, as the rest of bulwark reads it. Hand-written to mirror
 * `policy.schema.json` field for field (test/policy/types.test.ts holds both to the same shape):
 * after validation every field is present, because the schema gives each one a default.
 * Everything is readonly, and the loader deep-freezes the object it returns.
 */

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface ExecutionPolicy {
  readonly allowedCommands: readonly string[];
  readonly blockedCommands: readonly string[];
  readonly allowShell: boolean;
}

export interface FilesystemPolicy {
  readonly readRoots: readonly string[];
  readonly writeRoots: readonly string[];
  readonly protectedPatterns: readonly string[];
}

export interface NetworkPolicy {
  readonly allowedHosts: readonly string[];
  readonly minTlsVersion: TlsVersion;
  readonly blockPrivateAddresses: boolean;
  readonly blockMetadataEndpoint: boolean;
  readonly allowInsecureHttp: boolean;
}

export interface RedactionPolicy {
  readonly pii: boolean;
  readonly keys: readonly string[];
  readonly nonSecretKeys: readonly string[];
  readonly disabledRules: readonly string[];
  readonly extraRulesFile: string | null;
  readonly minRegisteredSecretLength: number;
  readonly mask: '*****';
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogPolicy {
  readonly level: LogLevel;
  readonly format: 'auto' | 'json' | 'pretty';
}

export interface AuditSink {
  /** Secret: may carry a token. */
  readonly url: string;
}

export interface AuditPolicy {
  readonly enabled: boolean;
  readonly stateDir: string | null;
  /** `always`, or milliseconds between syncs. */
  readonly fsync: 'always' | number;
  readonly checkpointEvery: number;
  readonly checkpointSeconds: number;
  readonly retentionDays: number;
  readonly failClosed: boolean;
  readonly sinks: readonly AuditSink[];
}

export interface SecretsPolicy {
  readonly provider: 'auto' | 'keyring' | 'env' | 'passphrase';
  readonly vaultPath: string | null;
  /** The NAME of the variable that holds the passphrase, never the passphrase. */
  readonly passphraseEnv: string;
}

export interface TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface AuthorizationRule {
  readonly principals: readonly string[];
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  readonly tools: readonly string[];
  readonly effect: 'allow' | 'deny';
  readonly description: string;
}

export interface GatewayPolicy {
  readonly listen: { readonly host: string; readonly port: number };
  readonly tls: {
    readonly enabled: boolean;
    readonly certFile: string | null;
    readonly keyFile: string | null;
    readonly minVersion: TlsVersion;
  };
  readonly allowPlainHttpOnLoopback: boolean;
  readonly auth: {
    readonly mode: 'apiKey' | 'oauth' | 'both';
    readonly required: boolean;
    readonly oauth: {
      readonly issuer: string | null;
      readonly audience: string | null;
      readonly jwksUrl: string | null;
      readonly clockSkewSeconds: number;
    };
  };
  readonly cors: { readonly origins: readonly string[] };
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly perPrincipal: TokenBucket;
    readonly perTool: TokenBucket;
    readonly authFailures: TokenBucket;
  };
  readonly maxRequestBytes: number;
  readonly maxResultBytes: number;
  readonly toolNamespaceSeparator: string;
  readonly defaultRedaction: 'secrets' | 'secrets+pii' | 'off';
  readonly authorization: {
    readonly rules: readonly AuthorizationRule[];
    readonly default: 'deny';
  };
}

export interface RagPolicy {
  readonly enabled: boolean;
  readonly defaultDecision: 'deny';
  readonly maxResults: number;
  /** `url` is secret: it may carry credentials. */
  readonly store: { readonly url: string | null };
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface ScanPolicy {
  readonly failOn: Severity | 'none';
  readonly ignorePaths: readonly string[];
  readonly baselineFile: string | null;
  readonly history: boolean;
}

export interface SandboxLimits {
  readonly memoryMb: number;
  readonly cpuSeconds: number;
  readonly processes: number;
  readonly outputMb: number;
  readonly openFiles: number;
}

export interface SandboxPolicy {
  readonly level: 'strict' | 'standard';
  readonly allowWeaker: boolean;
  readonly defaultLimits: SandboxLimits;
}

/** The whole effective policy. `$schema` and `$comment` keys of the file are not part of it. */
export interface Policy {
  readonly version: 1;
  readonly execution: ExecutionPolicy;
  readonly filesystem: FilesystemPolicy;
  readonly network: NetworkPolicy;
  readonly redaction: RedactionPolicy;
  readonly log: LogPolicy;
  readonly audit: AuditPolicy;
  readonly secrets: SecretsPolicy;
  readonly gateway: GatewayPolicy;
  readonly rag: RagPolicy;
  readonly scan: ScanPolicy;
  readonly sandbox: SandboxPolicy;
}

export type PolicySection = Exclude<keyof Policy, 'version'>;

/** Where an effective value came from. `env`: the file's value, with `${variable}` expanded. */
export type Source =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'env'; readonly variable: string; readonly file: string };

export interface ValidatedPolicy {
  readonly policy: Policy;
  /** One entry per leaf value (see explainPolicy), keyed by JSON pointer. */
  readonly sources: ReadonlyMap<string, Source>;
  /** sha256 (hex) of the canonical JSON of `policy`. */
  readonly hash: string;
}

export interface LoadedPolicy extends ValidatedPolicy {
  /** Absolute path of the file read; null when the embedded defaults apply. */
  readonly file: string | null;
}

export type PolicyProblemCode = 'BWK_POLICY_INVALID' | 'BWK_POLICY_ENV_MISSING' | 'BWK_POLICY_ENV_NOT_ALLOWED';

/** One thing wrong with a policy file. Never carries a secret or an environment value. */
export interface PolicyProblem {
  /** JSON pointer of the offending value ('' is the whole document). */
  readonly path: string;
  /** The reason, ending with `(did you mean "x"?)` when there is a likely intended value. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
  readonly code: PolicyProblemCode;
  /** The did-you-mean candidate, when there is one. */
  readonly suggestion?: string;
}

export interface ExplainEntry {
  /** JSON pointer. */
  readonly path: string;
  /** The effective value; `*****` for secret fields that are set. */
  readonly value: unknown;
  readonly source: Source;
  readonly secret: boolean;
}
