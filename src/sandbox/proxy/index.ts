/**
 * The egress proxy: one per plugin, on the host. The sandbox has only loopback; a relay inside
 * forwards to the unix socket this proxy listens on. It speaks HTTP CONNECT and SOCKS5 (remote
 * DNS), allows only the manifest's grants, resolves on the host, refuses internal addresses unless
 * granted as IP literals, dials the exact address it vetted (no DNS rebinding) and, by default,
 * lets only TLS through, with the ClientHello's SNI matching the requested host.
 */
import { promises as dns } from 'node:dns';
import { chmodSync } from 'node:fs';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { allow, deny, type Decision } from '../../decision/index.js';
import { findGrant, formatIp, parseClientHelloSni, parseGrant, splitHostPort, vetAddresses, type Grant } from './core.js';

export * from './core.js';

export interface EgressEvent {
  readonly protocol: 'connect' | 'socks5' | 'http';
  readonly host: string;
  readonly port: number;
  /** The address dialled or refused; null when the request never got that far. */
  readonly ip: string | null;
  readonly decision: Decision;
}

export interface EgressLimits {
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export interface EgressProxyOptions {
  /** A unix socket path (created 0600), or a loopback TCP port (0 for any; tests). */
  readonly socketPath?: string;
  readonly port?: number;
  /** Grants as written in the manifest; parsed here (BWK_POLICY_INVALID on a bad one). */
  readonly grants: readonly (string | Grant)[];
  readonly allowPlainHttp?: boolean;
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly connect?: (ip: string, port: number) => Socket;
  readonly onDecision?: (event: EgressEvent) => void;
  readonly limits?: Partial<EgressLimits>;
}

export interface EgressProxy {
  /** The unix socket path, or the loopback `{ host, port }`. */
  readonly address: string | { host: string; port: number };
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: EgressLimits = { maxConnections: 64, connectTimeoutMs: 10_000, idleTimeoutMs: 120_000 };
const MAX_HEADER = 8 * 1024;
const MAX_BUFFER = 80 * 1024;

async function defaultResolve(host: string): Promise<string[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

function defaultConnect(ip: string, port: number): Socket {
  return netConnect({ host: ip, port });
}

/** Buffers a socket's bytes until the proxy has decided what to do with them. */
class Reader {
  buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > MAX_BUFFER) this.socket.destroy();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits for more bytes; false when the peer is gone. */
  async more(): Promise<boolean> {
    if (this.ended || this.socket.destroyed) return false;
    const before = this.buf.length;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    return this.buf.length > before && !this.socket.destroyed;
  }

  async need(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.more())) return false;
    return true;
  }

  take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Stops buffering and hands back what is left; the socket is paused. */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    return this.buf;
  }
}

type Failure = { decision: Decision; status: 403 | 502 | 504; socks: number; ip: string | null };
type Route = { ok: true; ip: string; grant: Grant } | ({ ok: false } & Failure);

function safeHeader(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 200);
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const grants = options.grants.map((grant) => (typeof grant === 'string' ? parseGrant(grant) : grant));
  const limits: EgressLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const resolve = options.resolve ?? defaultResolve;
  const dial = options.connect ?? defaultConnect;
  const allowPlainHttp = options.allowPlainHttp ?? false;
  const live = new Set<Socket>();
  let clients = 0;

  const emit = (event: EgressEvent): void => {
    try {
      options.onDecision?.(event);
    } catch {
      // An audit sink failing must not take the proxy down; the caller's sink reports its own errors.
    }
  };

  const withTimeout = async <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => {
        done('timeout');
      }, ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Grant check, host-side resolution and vetting. */
  async function route(host: string, port: number): Promise<Route> {
    const grant = findGrant(grants, host, port);
    if (grant === undefined) {
      return { ok: false, status: 403, socks: 0x02, ip: null, decision: deny('sandbox.egress.not-granted', `${host}:${port} is not in the plugin's network grants`) };
    }
    if (grant.kind === 'ip') {
      return { ok: true, ip: grant.host, grant };
    }
    let addresses: string[];
    try {
      const answer = await withTimeout(resolve(host), limits.connectTimeoutMs);
      if (answer === 'timeout') {
        return { ok: false, status: 504, socks: 0x04, ip: null, decision: deny('sandbox.egress.dns-timeout', `resolving ${host} timed out`) };
      }
      addresses = answer;
    } catch {
      return { ok: false, status: 502, socks: 0x04, ip: null, decision: deny('sandbox.egress.dns-failed', `${host} could not be resolved`) };
    }
    const vetted = vetAddresses(host, addresses, false);
    const first = addresses[0] ?? null;
    if (vetted.effect === 'deny' || first === null) return { ok: false, status: 403, socks: 0x02, ip: first, decision: vetted };
    return { ok: true, ip: first, grant };
  }

  async function open(ip: string, port: number): Promise<Socket | 'timeout' | 'error'> {
    let upstream: Socket;
    try {
      upstream = dial(ip, port);
    } catch {
      return 'error';
    }
    const result = await withTimeout(
      new Promise<'ok' | 'error'>((done) => {
        upstream.once('connect', () => {
          done('ok');
        });
        upstream.once('error', () => {
          done('error');
        });
      }),
      limits.connectTimeoutMs,
    );
    if (result !== 'ok') {
      upstream.destroy();
      return result;
    }
    upstream.on('error', () => upstream.destroy());
    upstream.setTimeout(limits.idleTimeoutMs, () => upstream.destroy());
    return upstream;
  }

  function splice(client: Socket, upstream: Socket, first: Buffer): void {
    live.add(upstream);
    upstream.once('close', () => {
      live.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    if (first.length > 0) upstream.write(first);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /**
   * After the tunnel is acknowledged: the client's first bytes must be a TLS ClientHello whose SNI
   * names the requested host (any or no SNI for an IP-literal grant), unless plain traffic is allowed.
   */
  async function tunnel(client: Socket, reader: Reader, upstream: Socket, protocol: EgressEvent['protocol'], host: string, port: number, ip: string, grant: Grant): Promise<void> {
    let verdict: Decision;
    for (;;) {
      const hello = reader.buf.length === 0 ? 'incomplete' : parseClientHelloSni(reader.buf);
      if (hello === 'incomplete') {
        if (!(await reader.more())) {
          upstream.destroy();
          return;
        }
        continue;
      }
      if (hello === 'not-tls') {
        verdict = allowPlainHttp
          ? allow('sandbox.egress.plain-allowed', 'non-TLS traffic allowed by allowPlainHttp')
          : deny('sandbox.egress.tls-required', 'the first bytes through the tunnel are not a TLS ClientHello');
      } else if (grant.kind === 'ip') {
        verdict = allow('sandbox.egress.tls', `TLS to the granted address ${grant.raw}`);
      } else if (hello.sni === null) {
        verdict = deny('sandbox.egress.sni-missing', 'the TLS ClientHello names no server (SNI)');
      } else if (hello.sni !== host.toLowerCase()) {
        verdict = deny('sandbox.egress.sni-mismatch', `the TLS ClientHello names ${hello.sni}, not ${host}`);
      } else {
        verdict = allow('sandbox.egress.tls', `TLS to ${host}:${port} granted by "${grant.raw}"`);
      }
      break;
    }
    emit({ protocol, host, port, ip, decision: verdict });
    if (verdict.effect === 'deny') {
      upstream.destroy();
      client.destroy();
      return;
    }
    splice(client, upstream, reader.detach());
  }

  async function handleConnect(client: Socket, reader: Reader, target: string, protocol: 'connect' | 'socks5', replyOk: () => void, replyFail: (f: Failure) => void): Promise<void> {
    const parts = splitHostPort(target);
    if (parts === null) {
      replyFail({ status: 403, socks: 0x01, ip: null, decision: deny('sandbox.egress.bad-target', 'the requested target is not host:port') });
      return;
    }
    const { host, port } = parts;
    const fail = (failure: Failure): void => {
      emit({ protocol, host, port, ip: failure.ip, decision: failure.decision });
      replyFail(failure);
    };
    const routed = await route(host, port);
    if (!routed.ok) {
      fail(routed);
      return;
    }
    if (client.destroyed) return;
    const upstream = await open(routed.ip, port);
    if (upstream === 'timeout' || upstream === 'error') {
      const timedOut = upstream === 'timeout';
      fail({
        status: timedOut ? 504 : 502,
        socks: timedOut ? 0x06 : 0x05,
        ip: routed.ip,
        decision: deny(timedOut ? 'sandbox.egress.connect-timeout' : 'sandbox.egress.connect-failed', `connecting to ${routed.ip}:${port} ${timedOut ? 'timed out' : 'failed'}`),
      });
      return;
    }
    // The client may have gone while the proxy dialled.
    if ((client as { destroyed: boolean }).destroyed) {
      upstream.destroy();
      return;
    }
    replyOk();
    await tunnel(client, reader, upstream, protocol, host, port, routed.ip, routed.grant);
  }

  function httpReply(client: Socket, status: number, reason: string): void {
    const text = status === 200 ? 'Connection Established' : status === 403 ? 'Forbidden' : status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Timeout' : 'Bad Request';
    client.end(`HTTP/1.1 ${status} ${text}\r\nX-Bulwark-Reason: ${safeHeader(reason)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  }

  async function handleHttp(client: Socket, reader: Reader): Promise<void> {
    let end: number;
    for (;;) {
      end = reader.buf.indexOf('\r\n\r\n');
      if (end >= 0 && end + 4 <= MAX_HEADER) break;
      if (end >= 0 || reader.buf.length > MAX_HEADER || !(await reader.more())) {
        client.destroy();
        return;
      }
    }
    const head = reader.take(end + 4).toString('latin1');
    if (/[^\x20-\x7e\r\n\t]/.test(head)) {
      client.destroy();
      return;
    }
    const lines = head.slice(0, -4).split('\r\n');
    const [method, target, version, ...extra] = (lines[0] ?? '').split(' ');
    if (method === undefined || target === undefined || version === undefined || extra.length > 0 || !/^[A-Z]{1,16}$/.test(method) || !/^HTTP\/1\.[01]$/.test(version)) {
      httpReply(client, 400, 'malformed request line');
      return;
    }
    if (method === 'CONNECT') {
      await handleConnect(
        client,
        reader,
        target,
        'connect',
        () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        },
        (failure) => {
          httpReply(client, failure.status, `${failure.decision.rule}: ${failure.decision.reason}`);
        },
      );
      return;
    }
    await handlePlainHttp(client, reader, method, target, version, lines.slice(1));
  }

  async function handlePlainHttp(client: Socket, reader: Reader, method: string, target: string, version: string, headers: string[]): Promise<void> {
    let url: URL | null;
    try {
      url = new URL(target);
    } catch {
      url = null;
    }
    const host = url?.hostname.replace(/^\[(.*)\]$/, '$1') ?? '';
    const port = url === null ? 0 : url.port === '' ? 80 : Number(url.port);
    if (!allowPlainHttp) {
      const decision = deny('sandbox.egress.plain-http', 'plain HTTP is not allowed; use HTTPS (CONNECT) or set allowPlainHttp');
      emit({ protocol: 'http', host, port, ip: null, decision });
      httpReply(client, 403, `${decision.rule}: ${decision.reason}`);
      return;
    }
    if (url === null || url.protocol !== 'http:' || url.username !== '' || url.password !== '') {
      httpReply(client, 400, 'expected an absolute http:// URL');
      return;
    }
    const routed = await route(host, port);
    if (!routed.ok) {
      emit({ protocol: 'http', host, port, ip: routed.ip, decision: routed.decision });
      httpReply(client, routed.status, `${routed.decision.rule}: ${routed.decision.reason}`);
      return;
    }
    const upstream = await open(routed.ip, port);
    if (upstream === 'timeout' || upstream === 'error') {
      const decision = deny(upstream === 'timeout' ? 'sandbox.egress.connect-timeout' : 'sandbox.egress.connect-failed', `connecting to ${routed.ip}:${port} failed`);
      emit({ protocol: 'http', host, port, ip: routed.ip, decision });
      httpReply(client, upstream === 'timeout' ? 504 : 502, `${decision.rule}: ${decision.reason}`);
      return;
    }
    emit({ protocol: 'http', host, port, ip: routed.ip, decision: allow('sandbox.egress.plain-http', `plain HTTP to ${host}:${port} granted by "${routed.grant.raw}"`) });
    const hop = /^(?:proxy-[a-z-]*|connection|keep-alive)\s*:/i;
    const kept = headers.filter((line) => !hop.test(line));
    const rewritten = `${method} ${url.pathname}${url.search} ${version}\r\n${kept.map((line) => `${line}\r\n`).join('')}Connection: close\r\n\r\n`;
    splice(client, upstream, Buffer.concat([Buffer.from(rewritten, 'latin1'), reader.detach()]));
  }

  async function handleSocks(client: Socket, reader: Reader): Promise<void> {
    if (!(await reader.need(2))) return void client.destroy();
    const methods = reader.buf[1] ?? 0;
    if (!(await reader.need(2 + methods))) return void client.destroy();
    const offered = reader.take(2 + methods).subarray(2);
    if (!offered.includes(0x00)) {
      client.end(Buffer.from([0x05, 0xff]));
      return;
    }
    client.write(Buffer.from([0x05, 0x00]));
    if (!(await reader.need(4))) return void client.destroy();
    const [version, command, reserved, atyp] = reader.buf;
    const reply = (code: number): Buffer => Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
    if (version !== 0x05 || reserved !== 0x00) return void client.destroy();
    let length: number;
    if (atyp === 0x01) length = 4;
    else if (atyp === 0x04) length = 16;
    else if (atyp === 0x03) {
      if (!(await reader.need(5))) return void client.destroy();
      length = 1 + (reader.buf[4] ?? 0);
    } else {
      client.end(reply(0x08));
      return;
    }
    if (!(await reader.need(4 + length + 2))) return void client.destroy();
    const request = reader.take(4 + length + 2);
    if (command !== 0x01) {
      client.end(reply(0x07)); // BIND and UDP ASSOCIATE: command not supported
      return;
    }
    const addr = request.subarray(4, 4 + length);
    const port = request.readUInt16BE(4 + length);
    let target: string;
    if (atyp === 0x01) target = `${formatIp(addr)}:${port}`;
    else if (atyp === 0x04) target = `[${formatIp(addr)}]:${port}`;
    else {
      const name = addr.subarray(1).toString('latin1');
      if (name.length === 0 || /[^a-zA-Z0-9.-]/.test(name)) {
        client.end(reply(0x04));
        return;
      }
      target = `${name}:${port}`;
    }
    await handleConnect(
      client,
      reader,
      target,
      'socks5',
      () => {
        client.write(reply(0x00));
      },
      (failure) => {
        client.end(reply(failure.socks));
      },
    );
  }

  async function handle(client: Socket): Promise<void> {
    const reader = new Reader(client);
    if (!(await reader.need(1))) return void client.destroy();
    if (reader.buf[0] === 0x05) await handleSocks(client, reader);
    else await handleHttp(client, reader);
  }

  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (clients >= limits.maxConnections) {
      emit({ protocol: 'connect', host: '', port: 0, ip: null, decision: deny('sandbox.egress.max-connections', `more than ${limits.maxConnections} connections`) });
      client.destroy();
      return;
    }
    clients++;
    live.add(client);
    client.once('close', () => {
      clients--;
      live.delete(client);
    });
    client.setTimeout(limits.idleTimeoutMs, () => client.destroy());
    handle(client).catch(() => {
      client.destroy();
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    if (options.socketPath !== undefined) server.listen(options.socketPath, done);
    else server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  server.on('error', () => undefined);
  let address: EgressProxy['address'];
  if (options.socketPath !== undefined) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the caller's own socket path, just created by listen()
    chmodSync(options.socketPath, 0o600);
    address = options.socketPath;
  } else {
    const info = server.address() as AddressInfo;
    address = { host: info.address, port: info.port };
  }

  return {
    address,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => {
          done();
        });
        for (const socket of live) socket.destroy();
      }),
  };
}
