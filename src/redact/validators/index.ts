/**
 * Check-digit and structure tests that a detector's candidate must pass (the rule's `validator`).
 * Each one is a pure function of the candidate string, cheap, and never throws: a value that is
 * not even the right shape is simply not valid.
 */
import { crc32 } from 'node:zlib';

export { shannonEntropy } from './entropy.js';

export type ValidatorName = 'luhn' | 'iban-mod97' | 'github-crc32' | 'npm-crc32' | 'jwt' | 'us-ssn' | 'phone';

/** Payment card numbers: 12-19 digits (spaces and dashes ignored) whose Luhn sum is a multiple of 10. */
export function luhn(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (!/^[0-9]{12,19}$/.test(digits) || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * IBAN lengths by country, from the SWIFT IBAN registry: every SEPA country plus the other
 * countries that issue IBANs.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** IBAN: known country, that country's length, and the ISO 7064 mod-97 check (remainder 1). */
export function ibanMod97(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    remainder = code >= 65 ? (remainder * 100 + (code - 55)) % 97 : (remainder * 10 + (code - 48)) % 97;
  }
  return remainder === 1;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 32-bit unsigned integer in base62 (0-9, A-Z, a-z), left-padded with "0" to six characters. */
export function base62Checksum(value: number): string {
  let n = value >>> 0;
  let out = '';
  while (n > 0) {
    out = BASE62.charAt(n % 62) + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(6, '0');
}

/** The six-character checksum GitHub and npm append to 30 random base62 characters. */
export function tokenChecksum(random: string): string {
  return base62Checksum(crc32(random));
}

function checksummedToken(candidate: string, prefix: RegExp): boolean {
  const body = candidate.replace(prefix, '');
  if (!/^[0-9A-Za-z]{36}$/.test(body)) return false;
  return tokenChecksum(body.slice(0, 30)) === body.slice(30);
}

/**
 * GitHub's 2021 token format (ghp_, gho_, ghu_, ghs_, ghr_): 30 random base62 characters, then the
 * CRC32 of those 30 characters in base62, padded to six. Accepts the token with or without prefix.
 */
export function githubCrc32(candidate: string): boolean {
  return checksummedToken(candidate, /^gh[pousr]_/);
}

/** npm's token format (npm_): the same scheme as GitHub's, 30 random characters + 6 of checksum. */
export function npmCrc32(candidate: string): boolean {
  return checksummedToken(candidate, /^npm_/);
}

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  if (segment.length === 0 || segment.length % 4 === 1 || !/^[A-Za-z0-9_-]+={0,2}$/.test(segment)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** JWT (JWS compact form): base64url JSON header with a string "alg", base64url JSON payload, signature. */
export function jwt(candidate: string): boolean {
  const parts = candidate.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]*$/.test(signature)) return false;
  const decodedHeader = decodeJsonSegment(header);
  if (decodedHeader === undefined || typeof decodedHeader.alg !== 'string') return false;
  return decodeJsonSegment(payload) !== undefined;
}

/** Numbers the SSA voided, and the placeholders documentation uses (the Woolworth wallet card, 123-45-6789, 111-22-3333). */
const VOID_SSNS = new Set(['078051120', '219099999', '123456789', '111223333']);

/**
 * US Social Security number: 9 digits (dashes or spaces ignored); area not 000, 666 or 900-999,
 * group not 00, serial not 0000, and not a known void number.
 */
export function usSsn(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (!/^[0-9]{9}$/.test(digits) || /^(\d)\1+$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !VOID_SSNS.has(digits);
}

function isDate(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/**
 * Phone numbers: 7-15 digits once separators are gone, not one repeated digit, and not shaped like
 * an IPv4 address, a date (2024-05-01, 01.05.2024) or a dotted version number.
 */
export function phone(candidate: string): boolean {
  const digits = candidate.replace(/[^0-9]/g, '');
  if (digits.length < 7 || digits.length > 15 || /^(\d)\1+$/.test(digits)) return false;
  if (/[^0-9+() .-]/.test(candidate)) return false;
  const international = candidate.startsWith('+');
  const groups = candidate.split(/[^0-9]+/).filter((group) => group.length > 0);
  const separators = candidate.replace(/[0-9+()]/g, '');
  if (!international && groups.length < 2) return false;
  if (!international && separators.length > 0 && /^\.+$/.test(separators)) {
    if (groups.length === 4 && groups.every((group) => group.length <= 3 && Number(group) <= 255)) return false;
    if (groups.some((group) => group.length === 1)) return false;
  }
  // ZIP+4 postal codes (02111-1307) have the same shape as a short national number.
  if (!international && groups.length === 2 && groups[0]?.length === 5 && groups[1]?.length === 4 && /^[0-9-]+$/.test(candidate)) return false;
  if (!international && groups.length >= 2) {
    // "09 2007" as in "Sat Jun 09 2007 17:46:21": a day followed by a year.
    const [day, year] = groups as [string, string];
    if (day.length <= 2 && Number(day) <= 31 && /^(?:19|20)[0-9]{2}$/.test(year)) return false;
  }
  if (!international && groups.length >= 3) {
    const [a, b, c] = groups as [string, string, string];
    if (a.length === 4 && b.length <= 2 && c.length <= 2 && isDate(a, b, c)) return false;
    if (a.length <= 2 && b.length <= 2 && c.length === 4 && (isDate(c, b, a) || isDate(c, a, b))) return false;
  }
  return true;
}

export const VALIDATORS: Readonly<Record<ValidatorName, (secret: string) => boolean>> = {
  luhn,
  'iban-mod97': ibanMod97,
  'github-crc32': githubCrc32,
  'npm-crc32': npmCrc32,
  jwt,
  'us-ssn': usSsn,
  phone,
};
