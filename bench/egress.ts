/**
 * The egress proxy on loopback: tunnels set up per second (HTTP CONNECT, grant check, dial, TLS
 * ClientHello + SNI check, first bytes echoed back) against a direct TCP connection doing the same
 * round trip; and bulk throughput through an established tunnel against a direct connection.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseClientHelloSni, startEgressProxy } from '../src/sandbox/proxy/index.js';
import { fixed, table } from './util.js';

export interface EgressBenchResult {
  readonly tunnels: number;
  readonly proxyTunnelsPerSecond: number;
  readonly directConnectsPerSecond: number;
  readonly megabytes: number;
  readonly proxyMegabytesPerSecond: number;
  readonly directMegabytesPerSecond: number;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function clientHello(): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const server = createServer();
  const done = new Promise<Buffer>((resolve) => {
    server.on('connection', (socket) => {
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (parseClientHelloSni(received) !== 'incomplete') {
          resolve(received);
          socket.destroy();
        }
      });
    });
  });
  const port = await listen(server);
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  client.on('error', () => undefined);
  const hello = await done;
  client.destroy();
  server.close();
  return hello;
}

/** Resolves once `bytes` bytes have arrived on the socket (after an optional head ending in CRLFCRLF). */
function receive(socket: Socket, bytes: number, skipHead: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let head = skipHead;
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      if (head) {
        pending = Buffer.concat([pending, chunk]);
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!pending.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 200')) {
          reject(new Error(pending.toString('latin1', 0, end)));
          return;
        }
        head = false;
        got += pending.length - end - 4;
      } else got += chunk.length;
      if (got >= bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    if (bytes === 0 && !skipHead) resolve();
  });
}

async function openTunnel(proxyPort: number, echoPort: number, hello: Buffer, viaProxy: boolean): Promise<Socket> {
  const socket = viaProxy ? connect(proxyPort, '127.0.0.1') : connect(echoPort, '127.0.0.1');
  if (viaProxy) socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
  socket.write(hello);
  await receive(socket, hello.length, viaProxy);
  return socket;
}

async function pump(socket: Socket, megabytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const total = megabytes * 1024 * 1024;
  const started = process.hrtime.bigint();
  const received = receive(socket, total, false);
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!socket.write(chunk)) {
      await new Promise((resolve) => socket.once('drain', resolve));
    }
  }
  await received;
  return total / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function runEgressBench(tunnels = 2000, megabytes = 256): Promise<EgressBenchResult> {
  const echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  const echoPort = await listen(echo);
  const proxy = await startEgressProxy({ port: 0, grants: [`127.0.0.1:${echoPort}`], limits: { maxConnections: 256 } });
  const proxyPort = typeof proxy.address === 'string' ? 0 : proxy.address.port;
  const hello = await clientHello();

  const rate = async (viaProxy: boolean): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < tunnels; i++) (await openTunnel(proxyPort, echoPort, hello, viaProxy)).destroy();
    return tunnels / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  const throughput = async (viaProxy: boolean): Promise<number> => {
    const socket = await openTunnel(proxyPort, echoPort, hello, viaProxy);
    const result = await pump(socket, megabytes);
    socket.destroy();
    return result;
  };

  const result: EgressBenchResult = {
    tunnels,
    directConnectsPerSecond: await rate(false),
    proxyTunnelsPerSecond: await rate(true),
    megabytes,
    directMegabytesPerSecond: await throughput(false),
    proxyMegabytesPerSecond: await throughput(true),
  };
  await proxy.close();
  echo.close();
  return result;
}

export function formatEgressBench(result: EgressBenchResult): string {
  return table([
    ['path (loopback, echo upstream)', 'tunnels/s', 'MB/s (echoed)'],
    ['direct TCP connection', Math.round(result.directConnectsPerSecond), fixed(result.directMegabytesPerSecond)],
    ['through the egress proxy (CONNECT, grant, ClientHello check)', Math.round(result.proxyTunnelsPerSecond), fixed(result.proxyMegabytesPerSecond)],
  ]) + `\n\n${result.tunnels} sequential tunnels; ${result.megabytes} MiB each way for throughput`;
}
