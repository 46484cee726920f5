/**
 * A `.env` parser (pure): `NAME=value`, optional `export `, `#` comments, single quotes (literal),
 * double quotes (with \n, \t, \", \\ escapes, may span lines). Errors name the line, never its text.
 */
import { BulwarkError } from '../errors/index.js';
import { SECRET_NAME } from './format.js';

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export function parseEnvFile(text: string, file = '.env'): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const raw = lines[index] ?? '';
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') || line.startsWith('export\t') ? line.slice(7).trimStart() : line;
    const equals = body.indexOf('=');
    const name = equals < 0 ? '' : body.slice(0, equals).trimEnd();
    let rest = body.slice(equals + 1).trimStart();
    if (!SECRET_NAME.test(name)) {
      throw new BulwarkError('BWK_USAGE', `${file} line ${lineNumber} is not NAME=value`, { fix: 'fix that line or remove it, then import again', details: { file, line: lineNumber } });
    }
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new BulwarkError('BWK_USAGE', `${file} line ${lineNumber}: unterminated single quote`, { fix: 'close the quote', details: { file, line: lineNumber } });
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let text = rest.slice(1);
      let out = '';
      let closed = false;
      for (;;) {
        let i = 0;
        while (i < text.length) {
          const ch = text[i];
          if (ch === '\\' && i + 1 < text.length) {
            const next = text[i + 1];
            out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : (next ?? '');
            i += 2;
          } else if (ch === '"') {
            closed = true;
            break;
          } else {
            out += ch ?? '';
            i++;
          }
        }
        if (closed || index + 1 >= lines.length) break;
        // A double-quoted value may span lines.
        out += '\n';
        index++;
        text = lines[index] ?? '';
      }
      if (!closed) throw new BulwarkError('BWK_USAGE', `${file} line ${lineNumber}: unterminated double quote`, { fix: 'close the quote', details: { file, line: lineNumber } });
      value = out;
    } else {
      const comment = rest.search(/\s#/);
      if (comment >= 0) rest = rest.slice(0, comment);
      value = rest.trim();
    }
    entries.push({ name, value, line: lineNumber });
  }
  return entries;
}
