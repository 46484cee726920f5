// Tests for the egress proxy (src/sandbox/proxy): the pure core, then the proxy itself on loopback
// with injected DNS. Every refusal has an allowed twin, so a test cannot pass because everything breaks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import {
  classifyAddress,
  matchGrant,
  parseClientHelloSni,
  parseGrant,
  startEgressProxy,
  vetAddresses,
  type EgressEvent,
  type EgressProxy,
  type EgressProxyOptions,
} from '../../src/sandbox/proxy/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// ---------- pure core ----------

test('parseGrant accepts hosts, wildcards and IP literals, and refuses bad or too-broad grants', () => {
  assert.deepEqual(parseGrant('API.github.com:443'), { kind: 'host', host: 'api.github.com', port: 443, raw: 'API.github.com:443' });
  assert.equal(parseGrant('*.githubusercontent.com:443').kind, 'wildcard');
  assert.equal(parseGrant('10.0.0.5:8080').kind, 'ip');
  assert.deepEqual(parseGrant('[::1]:80'), { kind: 'ip', host: '0:0:0:0:0:0:0:1', port: 80, raw: '[::1]:80' });
  for (const bad of ['api.github.com', 'api.github.com:0', 'api.github.com:65536', '::1:80', '*.com:443', '*:443', 'a b:1', '300.1.1.1:80', '[nothost]:80', 'x:-1', '*.*.x.com:1']) {
    assert.throws(() => parseGrant(bad), { code: 'BWK_POLICY_INVALID' }, bad);
  }
});

test('matchGrant: exact, wildcard for strict subdomains only, ports and IP literals', () => {
  const grants = ['api.github.com:443', '*.githubusercontent.com:443', '10.0.0.5:8080', '[::1]:80'].map(parseGrant);
  assert.equal(matchGrant(grants, 'api.github.com', 443).effect, 'allow');
  assert.equal(matchGrant(grants, 'API.GitHub.com', 443).effect, 'allow');
  assert.equal(matchGrant(grants, 'api.github.com', 80).effect, 'deny');
  assert.equal(matchGrant(grants, 'github.com', 443).effect, 'deny');
  assert.equal(matchGrant(grants, 'raw.githubusercontent.com', 443).effect, 'allow');
  assert.equal(matchGrant(grants, 'a.b.githubusercontent.com', 443).effect, 'allow');
  assert.equal(matchGrant(grants, 'githubusercontent.com', 443).effect, 'deny', 'the apex is not covered by *.');
  assert.equal(matchGrant(grants, 'evil-githubusercontent.com', 443).effect, 'deny');
  assert.equal(matchGrant(grants, 'githubusercontent.com.evil.com', 443).effect, 'deny');
  assert.equal(matchGrant(grants, '10.0.0.5', 8080).effect, 'allow');
  assert.equal(matchGrant(grants, '::ffff:10.0.0.5', 8080).effect, 'deny');
  assert.equal(matchGrant(grants, '::1', 80).effect, 'allow');
  assert.equal(matchGrant(grants, '0:0::1', 80).effect, 'allow');
  const denied = matchGrant(grants, 'example.com', 443);
  assert.equal(denied.rule, 'sandbox.egress.not-granted');
});

test('classifyAddress covers the internal ranges of IPv4 and IPv6', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'mapped'],
    ['::ffff:8.8.8.8', 'mapped'],
    ['fd00::1', 'ula'],
    ['fc00::1', 'ula'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::', 'loopback'],
    ['fe80::1%eth0', 'invalid'],
    ['not-an-ip', 'invalid'],
    ['010.0.0.1', 'invalid'],
  ];
  for (const [ip, expected] of cases) assert.equal(classifyAddress(ip), expected, ip);
});

test('vetAddresses refuses an answer holding any internal address unless the grant is an IP literal', () => {
  assert.equal(vetAddresses('a.test', ['93.184.215.14'], false).effect, 'allow');
  assert.equal(vetAddresses('a.test', ['93.184.215.14', '169.254.169.254'], false).effect, 'deny');
  assert.equal(vetAddresses('a.test', ['127.0.0.1'], false).rule, 'sandbox.egress.internal-address');
  assert.equal(vetAddresses('a.test', ['::ffff:8.8.8.8'], false).effect, 'deny');
  assert.equal(vetAddresses('a.test', [], false).effect, 'deny');
  assert.equal(vetAddresses('a.test', ['garbage'], true).effect, 'deny');
  assert.equal(vetAddresses('10.0.0.5', ['10.0.0.5'], true).effect, 'allow');
});

/** The first bytes a real Node TLS client sends, captured by a plain TCP server. */
async function captureClientHello(servername?: string): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const server = createServer();
  const done = new Promise<Buffer>((resolve) => {
    server.on('connection', (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (parseClientHelloSni(received) !== 'incomplete') {
          resolve(received);
          socket.destroy();
        }
      });
      socket.on('error', () => undefined);
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) });
  client.on('error', () => undefined);
  const hello = await done;
  client.destroy();
  server.close();
  return hello;
}

test('parseClientHelloSni reads the SNI of a real ClientHello and never throws on garbage', async () => {
  const hello = await captureClientHello('api.example.test');
  assert.deepEqual(parseClientHelloSni(hello), { sni: 'api.example.test' });
  const noSni = await captureClientHello();
  assert.deepEqual(parseClientHelloSni(noSni), { sni: null });
  for (let cut = 0; cut < hello.length; cut += 7) assert.equal(parseClientHelloSni(hello.subarray(0, cut)), 'incomplete', `cut ${cut}`);
  // The same hello split over two TLS records still parses.
  const body = hello.subarray(5);
  const split = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0, 40]), body.subarray(0, 40), Buffer.from([0x16, 0x03, 0x01, (body.length - 40) >> 8, (body.length - 40) & 0xff]), body.subarray(40)]);
  assert.deepEqual(parseClientHelloSni(split), { sni: 'api.example.test' });
  assert.equal(parseClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n\r\n')), 'not-tls');
  assert.equal(parseClientHelloSni(Buffer.from([0x16, 0x03, 0x00, 0, 1, 1])), 'not-tls');
  assert.equal(parseClientHelloSni(Buffer.from([0x16, 0x03, 0x01, 0, 4, 2, 0, 0, 0])), 'not-tls', 'not a ClientHello');
  // Corrupt length fields at every position: the answer is a value, never an exception.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const copy = Buffer.from(hello);
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    copy[5 + (seed % (copy.length - 5))] = seed & 0xff;
    const result = parseClientHelloSni(copy);
    assert.ok(result === 'incomplete' || result === 'not-tls' || typeof result === 'object');
  }
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 131 + 17) & 0xff;
  random[0] = 0x16;
  random[1] = 0x03;
  random[2] = 0x03;
  assert.notEqual(typeof parseClientHelloSni(random), 'undefined');
});

// ---------- the proxy on loopback ----------

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An upstream that echoes everything back. */
async function echoServer(): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.write(chunk);
    });
  });
  return { port: await listen(server), received };
}

async function proxy(options: Partial<EgressProxyOptions> & { grants: string[] }): Promise<{ proxy: EgressProxy; port: number; events: EgressEvent[] }> {
  const events: EgressEvent[] = [];
  const started = await startEgressProxy({
    port: 0,
    resolve: () => Promise.reject(new Error('no DNS in tests')),
    onDecision: (event) => events.push(event),
    limits: { connectTimeoutMs: 2000, idleTimeoutMs: 5000, maxConnections: 16 },
    ...options,
  });
  cleanups.push(async () => {
    await started.close();
  });
  const address = started.address;
  assert.ok(typeof address === 'object');
  return { proxy: started, port: address.port, events };
}

/** Collects bytes until `until` holds or the socket closes. */
function reader(socket: Socket): { wait: (until: (buf: Buffer) => boolean) => Promise<{ buf: Buffer; closed: boolean }> } {
  let buf = Buffer.alloc(0);
  let closed = false;
  let check: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    check?.();
  });
  socket.on('close', () => {
    closed = true;
    check?.();
  });
  socket.on('error', () => undefined);
  return {
    wait: (until) =>
      new Promise((resolve) => {
        check = () => {
          if (until(buf) || closed) {
            check = null;
            const out = buf;
            buf = Buffer.alloc(0);
            resolve({ buf: out, closed });
          }
        };
        check();
      }),
  };
}

const headDone = (buf: Buffer): boolean => buf.includes('\r\n\r\n');

async function httpConnect(port: number, target: string): Promise<{ socket: Socket; status: number; head: string; read: ReturnType<typeof reader> }> {
  const socket = connect(port, '127.0.0.1');
  const read = reader(socket);
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const { buf } = await read.wait(headDone);
  const head = buf.toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { socket, status, head, read };
}

test('(b) an IP-literal grant works end to end: ClientHello without SNI, bytes flow both ways', async () => {
  const echo = await echoServer();
  const { port, events } = await proxy({ grants: [`127.0.0.1:${echo.port}`] });
  const hello = await captureClientHello();
  const tunnel = await httpConnect(port, `127.0.0.1:${echo.port}`);
  assert.equal(tunnel.status, 200);
  tunnel.socket.write(hello);
  const first = await tunnel.read.wait((buf) => buf.length >= hello.length);
  assert.deepEqual(first.buf, hello);
  tunnel.socket.write('after the hello');
  const second = await tunnel.read.wait((buf) => buf.toString().includes('after the hello'));
  assert.equal(second.buf.toString(), 'after the hello');
  tunnel.socket.destroy();
  assert.equal(events.at(-1)?.decision.effect, 'allow');
  assert.equal(events.at(-1)?.ip, '127.0.0.1');
});

test('a host grant dials the exact vetted address and requires the SNI to name the host', async () => {
  const echo = await echoServer();
  const dialled: string[] = [];
  const { port, events } = await proxy({
    grants: ['api.example.test:443'],
    resolve: (host) => Promise.resolve(host === 'api.example.test' ? ['93.184.215.14'] : []),
    connect: (ip, p) => {
      dialled.push(`${ip}:${p}`);
      return connect(echo.port, '127.0.0.1');
    },
  });
  const good = await httpConnect(port, 'api.example.test:443');
  assert.equal(good.status, 200);
  const hello = await captureClientHello('api.example.test');
  good.socket.write(hello);
  assert.equal((await good.read.wait((buf) => buf.length >= hello.length)).buf.length, hello.length);
  good.socket.destroy();
  assert.deepEqual(dialled, ['93.184.215.14:443']);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.tls');

  // Another SNI through the same granted tunnel (domain fronting) is refused, and nothing is forwarded.
  const before = echo.received.length;
  const fronted = await httpConnect(port, 'api.example.test:443');
  assert.equal(fronted.status, 200);
  fronted.socket.write(await captureClientHello('evil.example.test'));
  assert.equal((await fronted.read.wait(() => false)).closed, true);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.sni-mismatch');
  // No SNI at all is refused for a host grant.
  const bare = await httpConnect(port, 'api.example.test:443');
  bare.socket.write(await captureClientHello());
  assert.equal((await bare.read.wait(() => false)).closed, true);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.sni-missing');
  assert.equal(echo.received.length, before);
});

test('(a) a granted host whose DNS answer is internal is refused (rebinding, metadata)', async () => {
  const dialled: string[] = [];
  for (const answer of [['127.0.0.1'], ['169.254.169.254'], ['93.184.215.14', '10.0.0.1'], ['::ffff:127.0.0.1']]) {
    const { port, events } = await proxy({
      grants: ['api.example.test:443'],
      resolve: () => Promise.resolve(answer),
      connect: (ip, p) => {
        dialled.push(ip);
        return connect(p, '127.0.0.1');
      },
    });
    const tunnel = await httpConnect(port, 'api.example.test:443');
    assert.equal(tunnel.status, 403, answer.join(','));
    assert.match(tunnel.head, /X-Bulwark-Reason: sandbox\.egress\.internal-address/);
    assert.equal(events.at(-1)?.decision.effect, 'deny');
    tunnel.socket.destroy();
  }
  assert.deepEqual(dialled, []);
});

test('(c) an ungranted host gets 403 and a deny event', async () => {
  const { port, events } = await proxy({ grants: ['api.example.test:443'], resolve: () => Promise.resolve(['93.184.215.14']) });
  const tunnel = await httpConnect(port, 'other.example.test:443');
  assert.equal(tunnel.status, 403);
  tunnel.socket.destroy();
  assert.deepEqual(
    events.map((event) => [event.host, event.port, event.decision.effect, event.decision.rule]),
    [['other.example.test', 443, 'deny', 'sandbox.egress.not-granted']],
  );
});

test('(d) plain GET http:// is 403 by default and forwarded only with allowPlainHttp', async () => {
  const upstream = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok${chunk.toString('latin1').split('\r\n')[0] ?? ''}`));
  });
  const upstreamPort = await listen(upstream);
  const request = `GET http://127.0.0.1:${upstreamPort}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: keep-alive\r\n\r\n`;
  const strict = await proxy({ grants: [`127.0.0.1:${upstreamPort}`] });
  const refused = connect(strict.port, '127.0.0.1');
  const refusedRead = reader(refused);
  refused.write(request);
  const refusedReply = await refusedRead.wait(headDone);
  assert.match(refusedReply.buf.toString(), /^HTTP\/1\.1 403 /);
  assert.equal(strict.events.at(-1)?.decision.rule, 'sandbox.egress.plain-http');

  const lax = await proxy({ grants: [`127.0.0.1:${upstreamPort}`], allowPlainHttp: true });
  const allowed = connect(lax.port, '127.0.0.1');
  const allowedRead = reader(allowed);
  allowed.write(request);
  const reply = await allowedRead.wait(() => false);
  assert.match(reply.buf.toString(), /^HTTP\/1\.1 200 OK/);
  assert.match(reply.buf.toString(), /GET \/path\?q=1 HTTP\/1\.1$/, 'the request line is rewritten to origin form');
});

async function socksRequest(port: number, request: Buffer): Promise<{ socket: Socket; reply: Buffer; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  const read = reader(socket);
  socket.write(Buffer.from([0x05, 0x01, 0x00]));
  const greeting = await read.wait((buf) => buf.length >= 2);
  assert.deepEqual([...greeting.buf], [0x05, 0x00]);
  socket.write(request);
  const reply = await read.wait((buf) => buf.length >= 10);
  return { socket, reply: reply.buf, closed: reply.closed };
}

function socksDomain(command: number, host: string, port: number): Buffer {
  return Buffer.concat([Buffer.from([0x05, command, 0x00, 0x03, host.length]), Buffer.from(host), Buffer.from([port >> 8, port & 0xff])]);
}

test('(e) SOCKS5: ungranted domain gets 0x02, BIND/UDP get 0x07, an IPv4 literal grant connects', async () => {
  const echo = await echoServer();
  const { port, events } = await proxy({ grants: [`127.0.0.1:${echo.port}`], resolve: () => Promise.resolve(['93.184.215.14']) });
  const denied = await socksRequest(port, socksDomain(0x01, 'evil.example.test', 443));
  assert.equal(denied.reply[1], 0x02);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.not-granted');
  assert.equal((await socksRequest(port, socksDomain(0x03, 'evil.example.test', 443))).reply[1], 0x07);
  assert.equal((await socksRequest(port, socksDomain(0x02, 'evil.example.test', 443))).reply[1], 0x07);

  const ok = await socksRequest(port, Buffer.from([0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, echo.port >> 8, echo.port & 0xff]));
  assert.equal(ok.reply[1], 0x00);
  const hello = await captureClientHello();
  const read = reader(ok.socket);
  ok.socket.write(hello);
  assert.deepEqual((await read.wait((buf) => buf.length >= hello.length)).buf, hello);
  ok.socket.destroy();

  // A client offering only username/password auth is refused with 0xFF.
  const auth = connect(port, '127.0.0.1');
  const authRead = reader(auth);
  auth.write(Buffer.from([0x05, 0x01, 0x02]));
  const authReply = await authRead.wait(() => false);
  assert.deepEqual([...authReply.buf], [0x05, 0xff]);
});

test('(f) garbage and oversized headers close the connection; the proxy keeps serving', async () => {
  const echo = await echoServer();
  const { port } = await proxy({ grants: [`127.0.0.1:${echo.port}`] });
  const junk: Buffer[] = [
    Buffer.alloc(9000, 'A'),
    Buffer.from(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nX: ${'y'.repeat(9000)}\r\n\r\n`),
    Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
    Buffer.from([0x05, 0x01, 0x00, 0x05, 0x09, 0x00, 0x07]),
    Buffer.from('CONNECT\r\n\r\n'),
    Buffer.from('CONNECT nonsense HTTP/1.1\r\n\r\n'),
  ];
  for (const bytes of junk) {
    const socket = connect(port, '127.0.0.1');
    const read = reader(socket);
    socket.write(bytes);
    const result = await read.wait(() => false);
    assert.equal(result.closed, true);
    assert.doesNotMatch(result.buf.toString('latin1'), /^HTTP\/1\.1 200/);
  }
  const good = await httpConnect(port, `127.0.0.1:${echo.port}`);
  assert.equal(good.status, 200);
  good.socket.destroy();
});

test('(g) a tunnel whose first bytes are not TLS is closed before anything reaches the upstream', async () => {
  const echo = await echoServer();
  const { port, events } = await proxy({ grants: [`127.0.0.1:${echo.port}`] });
  const tunnel = await httpConnect(port, `127.0.0.1:${echo.port}`);
  assert.equal(tunnel.status, 200);
  tunnel.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((await tunnel.read.wait(() => false)).closed, true);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.tls-required');
  assert.equal(echo.received.length, 0);
});

test('upstream failures: refused gives 502, DNS failure gives 502, and the limit on connections holds', async () => {
  const closed = createServer();
  const closedPort = await listen(closed);
  await new Promise<void>((resolve) => {
    closed.close(() => {
      resolve();
    });
  });
  const { port, events } = await proxy({ grants: [`127.0.0.1:${closedPort}`, 'nxdomain.example.test:443'] });
  const refused = await httpConnect(port, `127.0.0.1:${closedPort}`);
  assert.equal(refused.status, 502);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.connect-failed');
  const nx = await httpConnect(port, 'nxdomain.example.test:443');
  assert.equal(nx.status, 502);
  assert.equal(events.at(-1)?.decision.rule, 'sandbox.egress.dns-failed');
  refused.socket.destroy();
  nx.socket.destroy();
});

test('connections beyond maxConnections are closed at once; the ones held keep working', async () => {
  const limited = await proxy({ grants: ['api.example.test:443'], limits: { maxConnections: 2, connectTimeoutMs: 2000, idleTimeoutMs: 5000 } });
  const holders = [connect(limited.port, '127.0.0.1'), connect(limited.port, '127.0.0.1')];
  await Promise.all(holders.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  const third = await reader(connect(limited.port, '127.0.0.1')).wait(() => false);
  assert.equal(third.closed, true);
  assert.ok(Date.now() - started < 2000, 'refused at once, not after the idle timeout');
  assert.equal(limited.events.at(-1)?.decision.rule, 'sandbox.egress.max-connections');
  const holder = holders[0]!;
  const read = reader(holder);
  holder.write('CONNECT other.example.test:443 HTTP/1.1\r\n\r\n');
  assert.match((await read.wait(headDone)).buf.toString(), /^HTTP\/1\.1 403 /);
  for (const socket of holders) socket.destroy();
});

test('the unix socket is created 0600 and serves CONNECT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bwk-proxy-'));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const socketPath = join(dir, 'egress.sock');
  const started = await startEgressProxy({ socketPath, grants: ['api.example.test:443'] });
  cleanups.push(async () => {
    await started.close();
  });
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  const socket = connect(socketPath);
  const read = reader(socket);
  socket.write('CONNECT other.example.test:443 HTTP/1.1\r\n\r\n');
  assert.match((await read.wait(headDone)).buf.toString(), /^HTTP\/1\.1 403 /);
  socket.destroy();
});
