/**
 * Key-based redaction: a value stored under a sensitive key (API_KEY, *_TOKEN, PASSWORD_*,
 * authorization, cookie, ...) is masked whatever it looks like. Patterns are case-insensitive
 * globs where `*` matches any run of characters and `-` and `_` are the same character.
 */

export function normalizeKey(key: string): string {
  return key.toLowerCase().replaceAll('-', '_');
}

function compileGlob(pattern: string): (key: string) => boolean {
  const parts = normalizeKey(pattern).split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return (key) => key === first;
  const middle = parts.slice(1, -1).filter((part) => part.length > 0);
  return (key) => {
    if (key.length < first.length + last.length || !key.startsWith(first) || !key.endsWith(last)) return false;
    // Greedy left-to-right placement of the middle parts is exact for globs with only `*`.
    let at = first.length;
    const limit = key.length - last.length;
    for (const part of middle) {
      const found = key.indexOf(part, at);
      if (found < 0 || found + part.length > limit) return false;
      at = found + part.length;
    }
    return true;
  };
}

export interface KeyMatcher {
  /** True when a value under this key must be masked. */
  matches(key: string): boolean;
  /** Literal fragments (normalized) of which every matching key contains at least one. */
  readonly keywords: readonly string[];
}

export function compileKeyPatterns(patterns: readonly string[], exceptions: readonly string[] = DEFAULT_NON_SECRET_KEYS): KeyMatcher {
  const globs = patterns.map(compileGlob);
  const exceptionGlobs = exceptions.map(compileGlob);
  const cache = new Map<string, boolean>();
  const keywords = new Set<string>();
  for (const pattern of patterns) {
    const longest = normalizeKey(pattern)
      .split('*')
      .reduce((best, part) => (part.length > best.length ? part : best), '');
    if (longest.length > 0) keywords.add(longest);
  }
  return {
    keywords: [...keywords],
    matches(key: string): boolean {
      if (key.length > 256) return false;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      // A JSON pointer (`/secrets/provider`, as in policy diffs) is judged by its last segment.
      const slash = key.lastIndexOf('/');
      const normalized = normalizeKey(slash >= 0 && slash < key.length - 1 ? key.slice(slash + 1) : key);
      const result = globs.some((glob) => glob(normalized)) && !exceptionGlobs.some((glob) => glob(normalized));
      if (cache.size < 10_000) cache.set(key, result);
      return result;
    },
  };
}

/** The defaults the policy schema also lists; kept here so the engine works without a policy. */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  '*api_key*',
  '*apikey*',
  '*_token',
  'token',
  'password*',
  '*password*',
  '*passwd*',
  '*passphrase*',
  'secret',
  '*secret*',
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  '*private_key*',
  '*privatekey*',
  '*accesstoken*',
  '*authtoken*',
  '*refreshtoken*',
  '*apitoken*',
  '*sessiontoken*',
  'credentials',
  '*access_key*',
  'x_api_key',
];

/** Names that match a sensitive pattern but name or describe a secret rather than hold one. */
export const DEFAULT_NON_SECRET_KEYS: readonly string[] = ['*_header', '*header', '*_name', '*name', '*_env', '*env', '*_var', '*_field', '*_param', '*_file', '*_path', '*_length', '*_count', '*_type', '*_prefix', '*length', '*count', '*size', 'csrf*', '*csrf_token', 'xsrf*', '*xsrf_token', '*page_token', 'continuation_token', 'next_token', 'nonsecretkeys'];
