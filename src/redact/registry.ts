/**
 * Registered secret values: every secret bulwark knows (vault, env, config) is masked wherever it
 * appears, also when it was base64-, URL- or hex-encoded on the way.
 */

export interface RegisteredVariant {
  readonly text: string;
  /** How the secret was encoded: raw, base64, base64url, url, hex. */
  readonly encoding: string;
}

/** Shorter literals would mask ordinary words; the policy can raise this, never lower it below 4. */
export const MIN_REGISTERED_LENGTH_FLOOR = 4;

/**
 * The base64 characters that depend only on the secret's own bits, for each of the three byte
 * alignments the secret can have inside a longer encoded blob (as "user:secret" in Basic auth).
 */
function base64Cores(bytes: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString(alphabet).replace(/=+$/, '');
    const firstBit = offset * 8;
    const endBit = (offset + bytes.length) * 8;
    const firstChar = Math.ceil(firstBit / 6);
    const endChar = Math.floor(endBit / 6);
    if (endChar > firstChar) cores.push(encoded.slice(firstChar, endChar));
  }
  return cores;
}

export function encodedVariants(secret: string): RegisteredVariant[] {
  const bytes = Buffer.from(secret, 'utf8');
  const variants: RegisteredVariant[] = [{ text: secret, encoding: 'raw' }];
  for (const core of base64Cores(bytes, 'base64')) variants.push({ text: core, encoding: 'base64' });
  for (const core of base64Cores(bytes, 'base64url')) variants.push({ text: core, encoding: 'base64url' });
  const urlEncoded = encodeURIComponent(secret);
  variants.push({ text: urlEncoded, encoding: 'url' });
  // Forms that encode spaces as '+', as HTML forms and URLSearchParams do.
  variants.push({ text: new URLSearchParams({ v: secret }).toString().slice(2), encoding: 'url' });
  const hex = bytes.toString('hex');
  variants.push({ text: hex, encoding: 'hex' }, { text: hex.toUpperCase(), encoding: 'hex' });
  // A base64 core shorter than the floor would match too much unrelated text.
  const seen = new Set<string>();
  return variants.filter((variant) => {
    if (variant.text.length < MIN_REGISTERED_LENGTH_FLOOR || seen.has(variant.text)) return false;
    seen.add(variant.text);
    return true;
  });
}

export class SecretRegistry {
  private readonly values = new Map<string, string>();
  private revision = 0;

  constructor(private minLength = 6) {}

  setMinLength(minLength: number): void {
    this.minLength = Math.max(MIN_REGISTERED_LENGTH_FLOOR, minLength);
  }

  /**
   * Registers a value; returns false (and registers nothing) when it is too short to mask without
   * also masking ordinary text. `label` names the secret in findings (never the value).
   */
  register(value: string, label = 'registered-secret'): boolean {
    if (value.length < this.minLength) return false;
    if (this.values.get(value) === label) return true;
    this.values.set(value, label);
    this.revision++;
    return true;
  }

  unregister(value: string): void {
    if (this.values.delete(value)) this.revision++;
  }

  clear(): void {
    if (this.values.size > 0) this.revision++;
    this.values.clear();
  }

  get minimumLength(): number {
    return this.minLength;
  }

  get size(): number {
    return this.values.size;
  }

  /** Changes whenever the set changes, so matchers built from it know when to rebuild. */
  get version(): number {
    return this.revision;
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}
