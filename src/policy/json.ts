/**
 * A strict JSON parser for policy files. Unlike JSON.parse it reports every error with
 * line:column, names the usual mistakes (comments, trailing commas, single quotes), and refuses
 * duplicate keys: with JSON.parse the last duplicate silently wins, so a second `"allowShell": true`
 * further down a long file could override a reviewed first one.
 * Keys are stored as own properties (a `__proto__` key stays data and is then refused as unknown).
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 64;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the file';
  if (ch === '\n') return 'a line break';
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${ch}'`;
}

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    this.skipSpace();
    if (this.at >= this.text.length) this.fail('the file is empty; an empty policy is written `{}`');
    const value = this.parseValue(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail(`unexpected ${describe(this.peek())} after the end of the JSON value`);
    return value;
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private fail(message: string, at = this.at): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charAt(i) === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsonSyntaxError(message, line, at - lineStart + 1);
  }

  private skipSpace(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        this.at++;
      } else if (ch === '/' && (this.text[this.at + 1] === '/' || this.text[this.at + 1] === '*')) {
        this.fail('comments are not allowed in JSON; put notes in a "$comment" key');
      } else {
        return;
      }
    }
  }

  private expect(ch: string, what: string): void {
    if (this.peek() !== ch) this.fail(`expected ${what} but found ${describe(this.peek())}`);
    this.at++;
  }

  private parseValue(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    const ch = this.peek();
    if (ch === '{') return this.parseObject(depth);
    if (ch === '[') return this.parseArray(depth);
    if (ch === '"') return this.parseString();
    if (ch === '-' || isDigit(ch)) return this.parseNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    if (ch === "'") this.fail('strings must use double quotes (")');
    if (ch === undefined) this.fail('unexpected end of the file; a value is missing');
    this.fail(`unexpected ${describe(ch)}; expected a value (object, array, string, number, true, false or null)`);
  }

  private parseObject(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.at++; // {
    this.skipSpace();
    if (this.peek() === '}') {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '"') {
        if (this.peek() === '}') this.fail('trailing comma before }');
        if (this.peek() === "'") this.fail('keys must use double quotes (")');
        this.fail(`expected a key in double quotes but found ${describe(this.peek())}`);
      }
      const keyAt = this.at;
      const key = this.parseString();
      if (seen.has(key)) this.fail(`duplicate key "${key}"; with JSON the later one would silently win`, keyAt);
      seen.add(key);
      this.skipSpace();
      this.expect(':', "':' after the key");
      this.skipSpace();
      const value = this.parseValue(depth + 1);
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.peek();
      if (next === ',') {
        this.at++;
        continue;
      }
      if (next === '}') {
        this.at++;
        return result;
      }
      this.fail(`expected ',' or '}' after a value but found ${describe(next)}`);
    }
  }

  private parseArray(depth: number): unknown[] {
    const result: unknown[] = [];
    this.at++; // [
    this.skipSpace();
    if (this.peek() === ']') {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() === ']') this.fail('trailing comma before ]');
      result.push(this.parseValue(depth + 1));
      this.skipSpace();
      const next = this.peek();
      if (next === ',') {
        this.at++;
        continue;
      }
      if (next === ']') {
        this.at++;
        return result;
      }
      this.fail(`expected ',' or ']' after a value but found ${describe(next)}`);
    }
  }

  private parseString(): string {
    const start = this.at;
    this.at++; // "
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unterminated string', start);
      if (ch === '"') {
        this.at++;
        return out;
      }
      if (ch === '\\') {
        const escape = this.text[this.at + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && Object.hasOwn(simple, escape)) {
          out += new Map(Object.entries(simple)).get(escape) ?? '';
          this.at += 2;
        } else if (escape === 'u') {
          const hex = this.text.slice(this.at + 2, this.at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u must be followed by four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          this.at += 6;
        } else {
          this.fail(`invalid escape \\${escape ?? ''} in a string`);
        }
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) this.fail(`${describe(ch)} inside a string; write it as an escape such as \\n`);
      out += ch;
      this.at++;
    }
  }

  private parseNumber(): number {
    const start = this.at;
    if (this.peek() === '-') this.at++;
    if (this.peek() === '0') {
      this.at++;
      if (isDigit(this.peek())) this.fail('numbers must not have leading zeros');
    } else if (isDigit(this.peek())) {
      while (isDigit(this.peek())) this.at++;
    } else {
      this.fail('a number needs digits after -');
    }
    if (this.peek() === '.') {
      this.at++;
      if (!isDigit(this.peek())) this.fail('a number needs digits after the decimal point');
      while (isDigit(this.peek())) this.at++;
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.at++;
      if (this.peek() === '+' || this.peek() === '-') this.at++;
      if (!isDigit(this.peek())) this.fail('a number needs digits in its exponent');
      while (isDigit(this.peek())) this.at++;
    }
    const value = Number(this.text.slice(start, this.at));
    if (!Number.isFinite(value)) this.fail('number out of range', start);
    return value;
  }
}

/** Parses one JSON document; a leading byte-order mark is allowed. Throws JsonSyntaxError. */
export function parseJson(text: string): unknown {
  return new Parser(text.startsWith('\uFEFF') ? text.slice(1) : text).parseDocument();
}
