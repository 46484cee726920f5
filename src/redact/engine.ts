/**
 * The redaction engine for text. One Aho-Corasick pass finds rule keywords; each triggered rule's
 * regex then runs only in windows around its own keyword hits, so clean text costs one linear scan
 * and secret-dense text costs work proportional to the secrets, not to rules × text.
 */
import { AhoCorasick } from './ahocorasick.js';
import type { DetectorFile, DetectorRule } from './detectors.js';
import { normalizeKey, type KeyMatcher } from './keys.js';
import { encodedVariants, type SecretRegistry } from './registry.js';
import { shannonEntropy, VALIDATORS } from './validators/index.js';

export const MASK = '*****';

/** What was masked: the rule and the offsets in the input. Never the secret itself. */
export interface Finding {
  readonly ruleId: string;
  readonly start: number;
  readonly end: number;
}

export interface RedactResult {
  readonly text: string;
  readonly findings: readonly Finding[];
}

export interface RuleInfo {
  readonly id: string;
  readonly category: 'secret' | 'pii';
  readonly description: string;
}

interface CompiledRule {
  readonly id: string;
  readonly regex: RegExp;
  readonly secretGroup: number;
  readonly entropy: number;
  readonly validator: ((secret: string) => boolean) | undefined;
  readonly maxLength: number;
  readonly stopwords: readonly string[];
}

export interface EngineOptions {
  readonly detectors: readonly DetectorFile[];
  readonly pii: boolean;
  readonly disabledRules: readonly string[];
  readonly keys: KeyMatcher;
  readonly registry: SecretRegistry;
}

const KEY_VALUE_RULE = 'sensitive-key';
const FLATTEN = /^/;
/** Upper bound on one line examined by the key-value rule, on each side of the keyword. */
const KEY_VALUE_REACH = 1024;
/** Values that stand for a secret rather than being one: references, templates, placeholders. */
const PLACEHOLDER_MARKERS = ['${', '{{', '%(', 'process.env', 'os.environ', 'getenv', '<', MASK, '[redacted]', '[filtered]', 'your_', 'your-', '_here', 'changeme', 'change_me', 'placeholder', 'example', 'xxxx', 'dummy', '...', '\u2026'];
const DIGITS = /^\d+$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Short numbers (`"secretGroup": 1`) and version numbers (`"secretlint": "11.7.1"`) are settings. */
function isSettingValue(value: string): boolean {
  if (DIGITS.test(value)) return value.length <= 3;
  const parts = (value.startsWith('v') ? value.slice(1) : value).split('.');
  return parts.length >= 2 && parts.length <= 4 && parts.every((part) => DIGITS.test(part));
}

/** `rule.secretGroup`, `config?.auth.token`: a member expression in code, not a literal. */
function isMemberExpression(value: string): boolean {
  const parts = value.replaceAll('?.', '.').split('.');
  return parts.length >= 2 && parts.every((part) => IDENTIFIER.test(part));
}
const PLACEHOLDER_VALUES = new Set(['null', 'none', 'nil', 'undefined', 'true', 'false', '""', "''", '...', '-', 'secret', 'password', 'token', 'required', 'optional', 'string', 'str', 'number', 'int', 'integer', 'boolean', 'bool', 'any', 'unknown', 'object', 'hidden', 'masked']);
/** References to where a secret lives (file paths, cloud resource names), not the secret. */
const REFERENCE_PREFIX = /^(?:\/[\w.-]|\.{1,2}\/|~\/|file:|arn:aws[\w-]*:|projects\/[\w-]+\/secrets\/|vault:|op:\/\/|secretsmanager:)/;
/** Words that start an expression in code, where `token = await getToken()` assigns no literal. */
const CODE_WORDS = new Set(['await', 'new', 'typeof', 'this', 'function', 'require', 'import', 'yield', 'self', 'lambda', 'os', 'sys', 'config', 'settings', 'env', 'options', 'opts', 'props', 'params', 'args', 'req', 'request', 'res', 'ctx']);
/** Headers whose whole value, spaces included, is the credential. */
const WHOLE_LINE_KEYS = new Set(['authorization', 'proxy_authorization', 'cookie', 'set_cookie']);

function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  if (PLACEHOLDER_VALUES.has(lower) || isSettingValue(value) || REFERENCE_PREFIX.test(value) || PLACEHOLDER_MARKERS.some((marker) => lower.includes(marker))) return true;
  // "a1a1a1a1", "00000000": filler, not a credential.
  return value.length >= 8 && new Set(value).size <= 2;
}

/** An unquoted value that is an expression (a call, an index, a member of a code object). */
function looksLikeCode(value: string, next: string): boolean {
  if (next === '(' || /[([{]/.test(value) || isMemberExpression(value)) return true;
  // `secret = value;`: an identifier ending a statement is a variable, not a literal.
  if (next === ';' && IDENTIFIER.test(value)) return true;
  const head = /^[A-Za-z_$][\w$]*/.exec(value)?.[0] ?? '';
  return CODE_WORDS.has(head.toLowerCase()) && (head.length === value.length || value.charAt(head.length) === '.');
}

function compileRule(rule: DetectorRule): CompiledRule {
  const flags = `g${rule.secretGroup === undefined ? '' : 'd'}${rule.flags ?? ''}`;
  return {
    id: rule.id,
    // eslint-disable-next-line security/detect-non-literal-regexp -- rules are schema-checked data; built-in ones are proven linear by test/redact/linear.test.ts
    regex: new RegExp(rule.regex, flags),
    secretGroup: rule.secretGroup ?? 0,
    entropy: rule.entropy ?? 0,
    validator: rule.validator === undefined ? undefined : VALIDATORS[rule.validator],
    maxLength: rule.maxLength,
    stopwords: (rule.stopwords ?? []).map((word) => word.toLowerCase()),
  };
}

export class Engine {
  /** Rules that run near their keywords. */
  private readonly keyed: CompiledRule[] = [];
  /** Rules that have no keyword and run over all text (PII such as card numbers). */
  private readonly unkeyed: CompiledRule[] = [];
  /** One regex matching wherever any keyword-less rule could match (their alternation). */
  private unkeyedTrigger: RegExp | undefined;
  private unkeyedMaxLength = 0;
  /** For each keyword in the prefilter: the keyed rules it triggers (indices), or -1 for the key-value rule. */
  private readonly keywordTargets: number[][] = [];
  private readonly keywordLengths: number[] = [];
  private readonly prefilter: AhoCorasick;
  private readonly allowValues: ReadonlySet<string>;
  private readonly allowRegexes: readonly RegExp[];
  private readonly keys: KeyMatcher;
  private readonly registry: SecretRegistry;
  private literalMatcher: { version: number; matcher: AhoCorasick | undefined; labels: string[] } | undefined;
  private overlapCache: { version: number; length: number } | undefined;
  /** The longest span any rule can match: streams keep this much text between chunks. */
  readonly maxMatchLength: number;
  /** The rules in force, for `bulwark redact --list-rules`. */
  readonly rules: RuleInfo[] = [];

  constructor(options: EngineOptions) {
    this.keys = options.keys;
    this.registry = options.registry;
    const disabled = new Set(options.disabledRules);
    const keywordIndex = new Map<string, number>();
    const addKeyword = (keyword: string, target: number): void => {
      const normalized = keyword.toLowerCase().replaceAll('-', '_');
      let index = keywordIndex.get(normalized);
      if (index === undefined) {
        index = this.keywordTargets.length;
        keywordIndex.set(normalized, index);
        this.keywordTargets.push([]);
        this.keywordLengths.push(normalized.length);
      }
      const targets = this.keywordTargets[index];
      if (targets !== undefined && !targets.includes(target)) targets.push(target);
    };
    const allowValues = new Set<string>();
    const allowRegexes: RegExp[] = [];
    let maxMatchLength = KEY_VALUE_REACH * 2;
    for (const file of options.detectors) {
      for (const value of file.allowlist?.values ?? []) allowValues.add(value);
      // eslint-disable-next-line security/detect-non-literal-regexp -- allowlist regexes are schema-checked data
      for (const source of file.allowlist?.regexes ?? []) allowRegexes.push(new RegExp(source));
      for (const rule of file.rules) {
        if (disabled.has(rule.id) || (rule.category === 'pii' && !options.pii)) continue;
        const compiled = compileRule(rule);
        this.rules.push({ id: rule.id, category: rule.category, description: rule.description });
        maxMatchLength = Math.max(maxMatchLength, rule.maxLength);
        if (rule.keywords.length === 0) {
          this.unkeyed.push(compiled);
        } else {
          this.keyed.push(compiled);
          for (const keyword of rule.keywords) addKeyword(keyword, this.keyed.length - 1);
        }
      }
    }
    if (!disabled.has(KEY_VALUE_RULE)) {
      for (const keyword of options.keys.keywords) addKeyword(keyword, -1);
      this.rules.push({ id: KEY_VALUE_RULE, category: 'secret', description: 'Values assigned to sensitive keys (KEY=value, key: value, "key": "value")' });
    }
    if (this.unkeyed.length > 1) {
      this.unkeyedMaxLength = Math.max(...this.unkeyed.map((rule) => rule.maxLength));
      const caseInsensitive = this.unkeyed.some((rule) => rule.regex.flags.includes('i'));
      try {
        // eslint-disable-next-line security/detect-non-literal-regexp -- an alternation of rules that are each checked linear
        this.unkeyedTrigger = new RegExp(this.unkeyed.map((rule) => `(?:${rule.regex.source})`).join('|'), caseInsensitive ? 'gi' : 'g');
      } catch {
        // Rules whose groups clash (duplicate names) cannot be combined; they then run one by one.
        this.unkeyedTrigger = undefined;
      }
    }
    this.allowValues = allowValues;
    this.allowRegexes = allowRegexes;
    this.maxMatchLength = maxMatchLength;
    this.prefilter = new AhoCorasick([...keywordIndex.keys()], { caseFold: true, foldDash: true });
  }

  /** All findings in text, sorted by start, overlaps resolved (a span inside another is dropped). */
  find(text: string): Finding[] {
    // Concatenated strings (stream buffers) are rope-shaped in V8, and charCodeAt on a rope is
    // several times slower; running any regex flattens the string once, in native code.
    FLATTEN.test(text);
    const found: Finding[] = [];
    this.findKeyed(text, found);
    this.findUnkeyed(text, found);
    this.findRegistered(text, found);
    return resolveOverlaps(found);
  }

  redact(text: string): RedactResult {
    const findings = this.find(text);
    return { text: applyMask(text, findings), findings };
  }

  private findKeyed(text: string, found: Finding[]): void {
    // Per rule: the windows [start, end) around its keyword hits, merged as they arrive (hits come in order).
    const windows = new Map<number, number[]>();
    const keyValueLines: number[] = [];
    this.prefilter.scan(text, (keyword, end) => {
      const start = end - (this.keywordLengths[keyword] ?? 0);
      for (const target of this.keywordTargets[keyword] ?? []) {
        if (target === -1) {
          keyValueLines.push(start, end);
          continue;
        }
        const rule = this.keyed[target];
        if (rule === undefined) continue;
        const from = Math.max(0, start - rule.maxLength);
        const to = Math.min(text.length, end + rule.maxLength);
        let list = windows.get(target);
        if (list === undefined) windows.set(target, (list = []));
        const lastEnd = list.length > 0 ? (list[list.length - 1] ?? 0) : -1;
        if (from <= lastEnd) list[list.length - 1] = Math.max(lastEnd, to);
        else list.push(from, to);
      }
    });
    for (const [target, list] of windows) {
      const rule = this.keyed[target];
      if (rule === undefined) continue;
      for (let i = 0; i < list.length; i += 2) this.runRule(rule, text, list[i] ?? 0, list[i + 1] ?? 0, found);
    }
    if (keyValueLines.length > 0) this.findKeyValues(text, keyValueLines, found);
  }

  /**
   * Keyword-less rules (card numbers, phone numbers, ...) would each need a pass over all text.
   * One pass of their alternation finds candidates instead: any match of any of them lies within
   * `maxLength` of a match of the alternation, so running each rule only in those windows finds
   * exactly what full passes would.
   */
  private findUnkeyed(text: string, found: Finding[]): void {
    const trigger = this.unkeyedTrigger;
    if (trigger === undefined) {
      for (const rule of this.unkeyed) this.runRule(rule, text, 0, text.length, found);
      return;
    }
    const reach = this.unkeyedMaxLength;
    const windows: number[] = [];
    trigger.lastIndex = 0;
    for (let match = trigger.exec(text); match !== null; match = trigger.exec(text)) {
      const end = match.index + match[0].length;
      if (match[0].length === 0) trigger.lastIndex++;
      const from = Math.max(0, match.index - reach);
      const to = Math.min(text.length, end + reach);
      const last = windows.length - 1;
      if (last > 0 && from <= (windows[last] ?? 0)) windows[last] = Math.max(windows[last] ?? 0, to);
      else windows.push(from, to);
    }
    for (let i = 0; i < windows.length; i += 2) {
      for (const rule of this.unkeyed) this.runRule(rule, text, windows[i] ?? 0, windows[i + 1] ?? 0, found);
    }
  }

  /** Runs one rule over text[from, to), with one character of context before so boundaries hold. */
  private runRule(rule: CompiledRule, text: string, from: number, to: number, found: Finding[]): void {
    const contextStart = from > 0 ? from - 1 : 0;
    const slice = contextStart === 0 && to === text.length ? text : text.slice(contextStart, to);
    const regex = rule.regex;
    regex.lastIndex = from - contextStart;
    for (let match = regex.exec(slice); match !== null; match = regex.exec(slice)) {
      if (match[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      let start = match.index;
      let secret = match[0];
      if (rule.secretGroup > 0) {
        const span = match.indices?.[rule.secretGroup];
        const value = match[rule.secretGroup];
        if (span === undefined || value === undefined) continue;
        start = span[0];
        secret = value;
      }
      if (this.accepts(rule, secret)) found.push({ ruleId: rule.id, start: contextStart + start, end: contextStart + start + secret.length });
      // A rejected candidate may have swallowed the start of a real one (a card number followed
      // by its CVV): look again from the next character.
      else regex.lastIndex = match.index + 1;
    }
  }

  /** Documented example values (the detectors' allowlist) are never findings, under any rule. */
  private readonly isAllowlisted = (value: string): boolean => this.allowValues.has(value) || this.allowRegexes.some((regex) => regex.test(value));

  private accepts(rule: CompiledRule, secret: string): boolean {
    if (secret.length === 0 || this.allowValues.has(secret)) return false;
    if (rule.stopwords.length > 0) {
      const lower = secret.toLowerCase();
      if (rule.stopwords.some((word) => lower.includes(word))) return false;
    }
    if (rule.entropy > 0 && shannonEntropy(secret) < rule.entropy) return false;
    if (rule.validator !== undefined && !rule.validator(secret)) return false;
    return !this.allowRegexes.some((regex) => regex.test(secret));
  }

  /**
   * The key-value rule: `KEY=value`, `KEY: value`, `"key": "value"` where KEY is a sensitive key.
   * Runs on the lines around keyword hits and checks the key with the same matcher as objects use.
   */
  private findKeyValues(text: string, hits: readonly number[], found: Finding[]): void {
    let doneUpTo = -1;
    for (let i = 0; i < hits.length; i += 2) {
      const hitStart = hits[i] ?? 0;
      if (hitStart < doneUpTo) continue;
      const lineStart = Math.max(text.lastIndexOf('\n', hitStart - 1) + 1, hitStart - KEY_VALUE_REACH);
      let lineEnd = text.indexOf('\n', hitStart);
      if (lineEnd < 0 || lineEnd - hitStart > KEY_VALUE_REACH) lineEnd = Math.min(text.length, hitStart + KEY_VALUE_REACH);
      scanKeyValueLine(text, lineStart, lineEnd, this.keys, this.isAllowlisted, found);
      doneUpTo = lineEnd;
    }
  }

  private findRegistered(text: string, found: Finding[]): void {
    const registry = this.registry;
    if (registry.size === 0) return;
    if (this.literalMatcher?.version !== registry.version) {
      const patterns: string[] = [];
      const labels: string[] = [];
      for (const [value, label] of registry.entries()) {
        for (const variant of encodedVariants(value)) {
          patterns.push(variant.text);
          labels.push(variant.encoding === 'raw' ? label : `${label}:${variant.encoding}`);
        }
      }
      this.literalMatcher = { version: registry.version, matcher: new AhoCorasick(patterns, { caseFold: false }), labels };
    }
    const { matcher, labels } = this.literalMatcher;
    if (matcher === undefined) return;
    matcher.scan(text, (pattern, end) => {
      const literal = matcher.patterns[pattern] ?? '';
      const start = end - literal.length;
      // Characters outside the automaton's alphabet share one class, so confirm the literal.
      if (text.startsWith(literal, start)) found.push({ ruleId: labels[pattern] ?? 'registered-secret', start, end });
    });
  }

  /** The longest span a stream must hold back: any rule's bound or the longest registered literal. */
  overlap(): number {
    const registry = this.registry;
    if (this.overlapCache?.version !== registry.version) {
      let longest = 0;
      for (const [value] of registry.entries()) for (const variant of encodedVariants(value)) longest = Math.max(longest, variant.text.length);
      this.overlapCache = { version: registry.version, length: Math.max(this.maxMatchLength, longest) };
    }
    return this.overlapCache.length;
  }
}

/** Character tables for the key-value scanner: per-character regex tests were its hot spot. */
const KEY_CHARS = asciiTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-');
const VALUE_STOPS = asciiTable(' \t\r\n\f\v&;,"\'`)}]');

function asciiTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

function isKeyChar(code: number): boolean {
  return code < 128 && KEY_CHARS[code] === 1;
}
const SCHEME_WORD = /^(?:bearer|basic|token|bot|digest|apikey|api-key)\s+/i;

/**
 * Scans one line for `key <sep> value` pairs. Hand-written rather than one regex so that it stays
 * linear and can apply the glob key matcher to each key it finds.
 */
function scanKeyValueLine(text: string, lineStart: number, lineEnd: number, keys: KeyMatcher, allowed: (value: string) => boolean, found: Finding[]): void {
  let i = lineStart;
  while (i < lineEnd) {
    // Find the next key token.
    while (i < lineEnd && !isKeyChar(text.charCodeAt(i))) i++;
    const keyStart = i;
    while (i < lineEnd && isKeyChar(text.charCodeAt(i))) i++;
    const keyEnd = i;
    if (keyEnd === keyStart) break;
    if (keyEnd - keyStart > 128) continue;
    const quotedKey = keyStart > lineStart && (text.charAt(keyStart - 1) === '"' || text.charAt(keyStart - 1) === "'") && (text.charAt(keyEnd) === '"' || text.charAt(keyEnd) === "'");
    let j = keyEnd + (quotedKey ? 1 : 0);
    while (j < lineEnd && (text.charAt(j) === ' ' || text.charAt(j) === '\t')) j++;
    const separator = text.charAt(j);
    if (separator !== '=' && separator !== ':') continue;
    // `==`, `=>` and `::` are code (comparisons, arrow functions, scopes), not assignments.
    const after = text.charAt(j + 1);
    if ((separator === '=' && (after === '=' || after === '>')) || (separator === ':' && after === ':')) continue;
    // An unquoted `key: value` counts only at the start of a line (YAML, HTTP headers): in prose,
    // "your password: it must..." is not a credential.
    if (separator === ':' && !quotedKey) {
      const before = text.slice(lineStart, keyStart).trim();
      if (before !== '' && before !== '-' && before !== 'export') continue;
    }
    const key = text.slice(keyStart, keyEnd);
    if (!keys.matches(key)) continue;
    j++;
    while (j < lineEnd && (text.charAt(j) === ' ' || text.charAt(j) === '\t')) j++;
    let valueStart = j;
    let valueEnd: number;
    let quoted = false;
    const quote = text.charAt(j);
    if (quote === '"' || quote === "'" || quote === '`') {
      quoted = true;
      valueStart = j + 1;
      valueEnd = valueStart;
      while (valueEnd < lineEnd && text.charAt(valueEnd) !== quote) {
        if (text.charAt(valueEnd) === '\\') valueEnd++;
        valueEnd++;
      }
      valueEnd = Math.min(valueEnd, lineEnd);
    } else if (separator === ':' && WHOLE_LINE_KEYS.has(normalizeKey(key))) {
      // Headers whose whole value is the credential, spaces and all (cookie lists, auth schemes).
      valueEnd = lineEnd;
      while (valueEnd > valueStart && /[\s,;]/.test(text.charAt(valueEnd - 1))) valueEnd--;
    } else {
      valueEnd = valueStart;
      for (let code = text.charCodeAt(valueEnd); valueEnd < lineEnd && !(code < 128 && VALUE_STOPS[code] === 1); code = text.charCodeAt(valueEnd)) valueEnd++;
      // More words after an unquoted value: prose ("password: must contain ..."), not a credential.
      if (separator === ':' && /^[ \t]+[A-Za-z]/.test(text.slice(valueEnd, valueEnd + 2))) {
        i = valueEnd;
        continue;
      }
    }
    const scheme = SCHEME_WORD.exec(text.slice(valueStart, Math.min(valueEnd, valueStart + 16)));
    if (scheme !== null) valueStart += scheme[0].length;
    // A header value with words after the scheme is prose ("basic auth is not supported"); a
    // cookie header is a list of name=value pairs.
    if (!quoted && separator === ':' && WHOLE_LINE_KEYS.has(normalizeKey(key))) {
      const rest = text.slice(valueStart, valueEnd);
      if (normalizeKey(key).endsWith('cookie') ? !rest.includes('=') : /\s/.test(rest)) {
        i = valueEnd;
        continue;
      }
    }
    i = Math.max(valueEnd, keyEnd + 1);
    if (valueEnd <= valueStart) continue;
    const value = text.slice(valueStart, valueEnd);
    // After an auth scheme (`Bearer x.y`) the value is a credential whatever its shape.
    if (!quoted && scheme === null && looksLikeCode(value, text.charAt(valueEnd))) continue;
    if (isPlaceholder(value) || allowed(value)) continue;
    found.push({ ruleId: KEY_VALUE_RULE, start: valueStart, end: valueEnd });
  }
}

/** Sorts findings and drops those inside an earlier, longer one; partial overlaps are both kept. */
export function resolveOverlaps(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  let coveredTo = -1;
  for (const finding of findings) {
    if (finding.end <= coveredTo) continue;
    kept.push(finding);
    coveredTo = finding.end;
  }
  return kept;
}

/** Replaces each span (merging partial overlaps) with the mask. */
export function applyMask(text: string, findings: readonly Finding[]): string {
  if (findings.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const finding of findings) {
    if (finding.start >= at) {
      parts.push(text.slice(at, finding.start), MASK);
    } else if (finding.end <= at) {
      continue;
    }
    at = Math.max(at, finding.end);
  }
  parts.push(text.slice(at));
  return parts.join('');
}
