/**
 * Deterministic benchmark inputs: realistic clean text (logs, JSON, source code, prose, with the
 * UUIDs, hashes, timestamps and IP addresses real text has) and the same text with a secret every
 * ~200 bytes.
 */
import { createHash } from 'node:crypto';

export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will can more what up about out them into its then than some could only other new these two may first any like now my such make over our even most me after also made many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long here get both between life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
const PATHS = ['/api/v1/items', '/api/v1/users', '/healthz', '/static/app.js', '/login', '/graphql', '/v2/orders'];
const LEVELS = ['info', 'debug', 'warn', 'error'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function uuid(random: () => number): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(random, WORDS));
  const text = out.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** One line of clean text, of one of several realistic kinds. */
export function cleanLine(random: () => number, index: number): string {
  const time = new Date(Date.UTC(2026, 10, 1) + index * 1371).toISOString();
  switch (Math.floor(random() * 6)) {
    case 0:
      return `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)} - - [${time}] "GET ${pick(random, PATHS)}/${Math.floor(random() * 10000)} HTTP/1.1" ${pick(random, [200, 201, 304, 404])} ${Math.floor(random() * 40000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"`;
    case 1:
      return JSON.stringify({ level: pick(random, LEVELS), time, msg: sentence(random, 5), reqId: uuid(random), responseTime: Math.round(random() * 5000) / 10, commit: hex(random, 40) });
    case 2:
      return `  const ${pick(random, WORDS)}Count = items.filter((item) => item.${pick(random, WORDS)} !== undefined).length; // ${sentence(random, 4)}`;
    case 3:
      return `${time} ${pick(random, LEVELS).toUpperCase()} worker-${Math.floor(random() * 16)} processed batch ${uuid(random)} in ${Math.floor(random() * 900)}ms sha256=${hex(random, 64)}`;
    case 4:
      return sentence(random, 12 + Math.floor(random() * 10));
    default:
      return `    at ${pick(random, WORDS)}Handler (/srv/app/dist/${pick(random, WORDS)}.js:${Math.floor(random() * 900)}:${Math.floor(random() * 80)})`;
  }
}

/** About `bytes` of clean text. */
export function cleanText(bytes: number, seed = 1): string {
  const random = prng(seed);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = cleanLine(random, i);
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** Clean text with one of `secrets` inserted every ~`every` bytes (at line ends, as in .env or logs). */
export function denseText(bytes: number, secrets: readonly string[], every = 200, seed = 2): string {
  const random = prng(seed);
  const parts: string[] = [];
  let size = 0;
  let sinceSecret = 0;
  for (let i = 0; size < bytes; i++) {
    const line = cleanLine(random, i);
    parts.push(line);
    size += line.length + 1;
    sinceSecret += line.length + 1;
    if (sinceSecret >= every && secrets.length > 0) {
      const secret = pick(random, secrets);
      parts.push(secret);
      size += secret.length + 1;
      sinceSecret = 0;
    }
  }
  return `${parts.join('\n')}\n`;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
