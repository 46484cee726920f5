/**
 * Types shared by the vault, its key providers and the CLI. No values of secrets ever appear in
 * these types except as the return value of `resolveSecret`.
 */

/** Where the master key that wraps the vault's data key comes from. */
export type ProviderName = 'keyring' | 'env' | 'passphrase';
export type ProviderSetting = 'auto' | ProviderName;

/**
 * The OS keystore behind the `keyring` provider: on Linux the Secret Service (D-Bus) or the kernel
 * keyring (keyutils); `os` is the Keychain on macOS and the Credential Manager on Windows.
 */
export type KeyringStore = 'secret-service' | 'keyutils' | 'os';

/**
 * The audit log's write side, as the vault needs it (structural, so src/audit need not be imported).
 * The vault awaits `append` before it returns a secret: no audit record, no secret.
 */
export interface AuditSink {
  append(event: {
    type: string;
    actor: string;
    subject: string;
    decision?: 'allow' | 'deny';
    rule?: string;
    data?: Record<string, unknown>;
  }): Promise<unknown>;
}

/** What `list` shows about a secret: never the value. */
export interface SecretInfo {
  readonly name: string;
  readonly version: number;
  readonly createdAt: string;
  /** Last time the value was replaced or re-encrypted under a new data key; null: never. */
  readonly rotatedAt: string | null;
  /** Plugins that may resolve it; `*` = any. The CLI user (`cli`) may always read. */
  readonly plugins: readonly string[];
}

/** The result of one provider's availability check. */
export interface ProbeResult {
  readonly available: boolean;
  /** Why it is (or is not) usable, for `doctor` and for errors. */
  readonly reason: string;
  /** What to do to make it usable. */
  readonly fix?: string;
}

export interface KeyringProbe {
  readonly store: KeyringStore;
  readonly result: ProbeResult;
}

/** Everything the provider selection needs to know about this machine, gathered up front. */
export interface ProviderProbes {
  readonly keyring: readonly KeyringProbe[];
  readonly env: ProbeResult & { readonly state: 'absent' | 'valid' | 'invalid' };
  readonly passphrase: ProbeResult & { readonly source: 'env' | 'tty' | null };
}

export interface ProviderChoice {
  readonly provider: ProviderName;
  /** The keystore used when `provider` is `keyring`; else null. */
  readonly store: KeyringStore | null;
  /** Why this provider. */
  readonly reason: string;
  /** Providers tried before it (under `auto`) and why each was passed over. */
  readonly skipped: readonly { readonly provider: string; readonly reason: string }[];
}

/** Access to the OS keystore; the default uses @napi-rs/keyring, tests may pass a fake. */
export interface KeyringBackend {
  /** The stores worth trying on this platform, in order. */
  stores(): readonly KeyringStore[];
  probe(store: KeyringStore): Promise<ProbeResult>;
  get(store: KeyringStore, account: string): Promise<string | null>;
  set(store: KeyringStore, account: string, value: string): Promise<void>;
  remove(store: KeyringStore, account: string): Promise<boolean>;
}
