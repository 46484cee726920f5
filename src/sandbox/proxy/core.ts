/**
 * The pure core of the egress proxy: grant parsing and matching, address classification, DNS
 * answer vetting and TLS ClientHello SNI parsing. No I/O here, so every rule is unit-testable.
 */
import { isIP } from 'node:net';
import { allow, deny, type Decision } from '../../decision/index.js';
import { BulwarkError } from '../../errors/index.js';

/** One manifest network grant, e.g. `api.github.com:443`, `*.example.com:443`, `[::1]:80`. */
export interface Grant {
  readonly kind: 'host' | 'wildcard' | 'ip';
  /** Lower-cased host name; for `wildcard` the suffix without `*.`; for `ip` the canonical address. */
  readonly host: string;
  readonly port: number;
  /** The grant as written, for audit records. */
  readonly raw: string;
}

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'ula'
  | 'mapped'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

function isLabel(label: string): boolean {
  return label.length >= 1 && label.length <= 63 && /^[a-z0-9-]+$/.test(label) && !label.startsWith('-') && !label.endsWith('-');
}

/** True for a DNS host name (letters, digits, hyphens; at most 253 characters; no trailing dot). */
export function isHostName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text.split('.').every(isLabel);
}

/** Splits `host:port` or `[v6]:port`. Returns null when the shape or the port is wrong. */
export function splitHostPort(text: string): { host: string; port: number; bracketed: boolean } | null {
  if (text.length > 300) return null;
  let host: string;
  let portText: string;
  let bracketed = false;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return null;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    bracketed = true;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return null;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return null; // an unbracketed IPv6 address is ambiguous
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  return { host: host.toLowerCase(), port, bracketed };
}

/** Parses one grant; throws BWK_POLICY_INVALID with a fix when it is malformed or too broad. */
export function parseGrant(raw: string): Grant {
  const bad = (why: string): BulwarkError =>
    new BulwarkError('BWK_POLICY_INVALID', `network grant "${raw}" is invalid: ${why}`, {
      fix: 'write grants as host:port, *.domain:port, an IPv4 address:port or [IPv6]:port, e.g. api.github.com:443',
      details: { grant: raw },
    });
  const parts = splitHostPort(raw.trim());
  if (parts === null) throw bad('expected host:port with a port from 1 to 65535');
  const { host, port, bracketed } = parts;
  if (bracketed) {
    const bytes = parseIp(host);
    if (bytes?.length !== 16) throw bad('the part in brackets is not an IPv6 address');
    return { kind: 'ip', host: formatIp(bytes), port, raw };
  }
  if (isIP(host) === 4) {
    const bytes = parseIp(host);
    if (bytes === null) throw bad('not a valid IPv4 address');
    return { kind: 'ip', host: formatIp(bytes), port, raw };
  }
  if (host.startsWith('*.')) {
    const suffix = host.slice(2);
    if (!isHostName(suffix)) throw bad('the part after *. is not a host name');
    if (!suffix.includes('.')) throw bad('a wildcard must name at least a registrable domain, e.g. *.example.com');
    return { kind: 'wildcard', host: suffix, port, raw };
  }
  if (/^[0-9.]+$/.test(host)) throw bad('not a valid IPv4 address');
  if (!isHostName(host)) throw bad('not a valid host name');
  return { kind: 'host', host, port, raw };
}

/** The grant that permits `host:port`, if any. Wildcards match strict subdomains only. */
export function findGrant(grants: readonly Grant[], host: string, port: number): Grant | undefined {
  const name = host.toLowerCase();
  const ip = parseIp(name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name);
  const canonical = ip === null ? null : formatIp(ip);
  return grants.find((grant) => {
    if (grant.port !== port) return false;
    if (grant.kind === 'ip') return canonical !== null && canonical === grant.host;
    if (canonical !== null) return false;
    if (grant.kind === 'host') return name === grant.host;
    return name.length > grant.host.length + 1 && name.endsWith(`.${grant.host}`) && isHostName(name);
  });
}

export function matchGrant(grants: readonly Grant[], host: string, port: number): Decision {
  const grant = findGrant(grants, host, port);
  return grant === undefined
    ? deny('sandbox.egress.not-granted', `${host}:${port} is not in the plugin's network grants`)
    : allow('sandbox.egress.granted', `${host}:${port} is granted by "${grant.raw}"`);
}

function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | null {
  if (text.length > 45 || text.includes('%') || isIP(text) !== 6) return null;
  let s = text.toLowerCase();
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === null) return null;
    const hi = ((v4[0] ?? 0) << 8) | (v4[1] ?? 0);
    const lo = ((v4[2] ?? 0) << 8) | (v4[3] ?? 0);
    s = `${s.slice(0, lastColon + 1)}${hi.toString(16)}:${lo.toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === undefined || halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== undefined && halves[1] !== '' ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const groups = [...head, ...new Array<string>(halves.length === 1 ? 0 : fill).fill('0'), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = groups[i] ?? '';
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    out[i * 2] = value >> 8;
    out[i * 2 + 1] = value & 0xff;
  }
  return out;
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal; null for anything else, zone ids included. */
export function parseIp(text: string): Uint8Array | null {
  if (isIP(text) === 4) return parseIPv4(text);
  if (isIP(text) === 6) return parseIPv6(text);
  return null;
}

/** A canonical text form (dotted IPv4, eight uncompressed lower-case hex groups for IPv6). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

function inV4(b: Uint8Array, a0: number, a1: number, bits: number): boolean {
  const value = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
  const net = ((a0 << 24) | (a1 << 16)) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((value & mask) >>> 0) === ((net & mask) >>> 0);
}

function classifyV4(b: Uint8Array): AddressClass {
  if (inV4(b, 0, 0, 8)) return 'unspecified'; // 0.0.0.0/8 "this network" reaches the host on Linux
  if (inV4(b, 127, 0, 8)) return 'loopback';
  if (inV4(b, 10, 0, 8) || inV4(b, 172, 16, 12) || inV4(b, 192, 168, 16)) return 'private';
  if (inV4(b, 169, 254, 16)) return 'link-local';
  if (inV4(b, 100, 64, 10)) return 'cgnat';
  if (inV4(b, 224, 0, 4)) return 'multicast';
  if (inV4(b, 240, 0, 4)) return 'reserved'; // includes 255.255.255.255
  // 192.0.0.0/24, TEST-NETs, 198.18.0.0/15 benchmarking.
  if (b[0] === 192 && b[1] === 0 && (b[2] === 0 || b[2] === 2)) return 'reserved';
  if (b[0] === 198 && b[1] === 51 && b[2] === 100) return 'reserved';
  if (b[0] === 203 && b[1] === 0 && b[2] === 113) return 'reserved';
  if (inV4(b, 198, 18, 15)) return 'reserved';
  return 'public';
}

function prefixIs(b: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((value, i) => b[i] === value);
}

function classifyV6(b: Uint8Array): AddressClass {
  const zeros10 = prefixIs(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  if (zeros10 && b[10] === 0xff && b[11] === 0xff) return 'mapped';
  if (zeros10 && b[10] === 0 && b[11] === 0) {
    if (b.every((value) => value === 0)) return 'unspecified';
    if (b.slice(0, 15).every((value) => value === 0) && b[15] === 1) return 'loopback';
    return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  }
  // NAT64 well-known prefix 64:ff9b::/96 reaches its embedded IPv4 address.
  if (prefixIs(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return classifyV4(b.slice(12, 16));
  if (prefixIs(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'private'; // 64:ff9b:1::/48 local-use NAT64
  const first = b[0] ?? 0;
  const second = b[1] ?? 0;
  if (first === 0xff) return 'multicast';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local';
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private'; // deprecated site-local
  if ((first & 0xfe) === 0xfc) return 'ula';
  if (prefixIs(b, [0x20, 0x02])) {
    // 6to4 embeds an IPv4 address; an internal one is refused.
    const inner = classifyV4(b.slice(2, 6));
    return inner === 'public' ? 'public' : inner;
  }
  if (prefixIs(b, [0x20, 0x01, 0x0d, 0xb8])) return 'reserved'; // documentation
  if (prefixIs(b, [0x20, 0x01, 0x00, 0x00])) return 'reserved'; // Teredo
  if ((first & 0xe0) !== 0x20) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

/** The class of an IP literal. Anything but `public` is refused unless granted as a literal. */
export function classifyAddress(ip: string): AddressClass {
  const bytes = parseIp(ip);
  if (bytes === null) return 'invalid';
  return bytes.length === 4 ? classifyV4(bytes) : classifyV6(bytes);
}

/**
 * Vets a DNS answer for a granted name. Every address must be public: one internal address in the
 * answer refuses the lot, so a rebinding answer mixing public and internal addresses cannot win.
 */
export function vetAddresses(host: string, addresses: readonly string[], grantIsIpLiteral: boolean): Decision {
  if (addresses.length === 0) return deny('sandbox.egress.dns-empty', `${host} resolved to no address`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'invalid') return deny('sandbox.egress.dns-invalid', `${host} resolved to a malformed address`);
    if (grantIsIpLiteral) continue;
    if (kind !== 'public') {
      return deny(
        'sandbox.egress.internal-address',
        `${host} resolved to ${address} (${kind}); internal addresses are reachable only when granted as an IP literal`,
      );
    }
  }
  return allow(grantIsIpLiteral ? 'sandbox.egress.ip-literal' : 'sandbox.egress.public-address', `${host} resolved to public addresses`);
}

const MAX_HANDSHAKE = 64 * 1024;

/**
 * Reads the SNI from the first bytes a client sends. Handles a ClientHello split over several TLS
 * records. Bounded (64 KiB) and total: garbage gives 'not-tls', never an exception.
 */
export function parseClientHelloSni(buffer: Uint8Array): { sni: string | null } | 'incomplete' | 'not-tls' {
  try {
    return parseHello(buffer);
  } catch {
    return 'not-tls';
  }
}

function parseHello(buf: Uint8Array): { sni: string | null } | 'incomplete' | 'not-tls' {
  // Reassemble the handshake message from consecutive handshake records.
  const chunks: Uint8Array[] = [];
  let have = 0;
  let offset = 0;
  let needed = -1;
  for (;;) {
    if (buf.length < offset + 1) return 'incomplete';
    if (buf[offset] !== 0x16) return 'not-tls';
    if (buf.length < offset + 3) return 'incomplete';
    const minor = buf[offset + 2] ?? 0;
    if (buf[offset + 1] !== 0x03 || minor < 1 || minor > 4) return 'not-tls';
    if (buf.length < offset + 5) return 'incomplete';
    const length = ((buf[offset + 3] ?? 0) << 8) | (buf[offset + 4] ?? 0);
    if (length === 0 || length > 16384 + 256) return 'not-tls';
    if (buf.length < offset + 5 + length) return 'incomplete';
    chunks.push(buf.subarray(offset + 5, offset + 5 + length));
    have += length;
    offset += 5 + length;
    if (needed < 0 && have >= 4) {
      const head = concat(chunks, 4);
      if (head[0] !== 0x01) return 'not-tls';
      needed = 4 + (((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0));
      if (needed > MAX_HANDSHAKE) return 'not-tls';
    }
    if (needed >= 0 && have >= needed) break;
    if (have > MAX_HANDSHAKE) return 'not-tls';
  }
  const hello = concat(chunks, needed).subarray(4);
  return readSni(hello);
}

function concat(chunks: readonly Uint8Array[], limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= limit) break;
    const part = chunk.subarray(0, limit - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function readSni(hello: Uint8Array): { sni: string | null } | 'not-tls' {
  let p = 0;
  const u8 = (): number => {
    if (p + 1 > hello.length) throw new RangeError('short');
    return hello[p++] ?? 0;
  };
  const u16 = (): number => (u8() << 8) | u8();
  const skip = (n: number): void => {
    if (p + n > hello.length) throw new RangeError('short');
    p += n;
  };
  if (u8() !== 0x03) return 'not-tls';
  skip(1 + 32); // version minor, random
  skip(u8()); // session id
  const suites = u16();
  if (suites === 0 || suites % 2 !== 0) return 'not-tls';
  skip(suites);
  const compression = u8();
  if (compression === 0) return 'not-tls';
  skip(compression);
  if (p === hello.length) return { sni: null };
  const extensionsEnd = p + 2 + ((hello[p] ?? 0) << 8 | (hello[p + 1] ?? 0));
  skip(2);
  if (extensionsEnd !== hello.length) return 'not-tls';
  let sni: string | null = null;
  let seen = false;
  while (p < extensionsEnd) {
    const type = u16();
    const length = u16();
    const end = p + length;
    if (end > extensionsEnd) return 'not-tls';
    if (type === 0) {
      if (seen) return 'not-tls'; // a duplicate server_name extension is ambiguous
      seen = true;
      const listEnd = p + 2 + u16();
      if (listEnd !== end) return 'not-tls';
      while (p < listEnd) {
        const nameType = u8();
        const nameLength = u16();
        if (p + nameLength > listEnd) return 'not-tls';
        if (nameType === 0) {
          if (sni !== null) return 'not-tls';
          const name = Buffer.from(hello.subarray(p, p + nameLength)).toString('latin1').toLowerCase();
          if (!isHostName(name)) return 'not-tls';
          sni = name;
        }
        p += nameLength;
      }
    }
    p = end;
  }
  return { sni };
}
