// The host's side of the guest's TCP connections (slirp's tcp_subr.c, in
// spirit): a connection from the guest to an address off the machine is a
// host connection that tuml makes as the unprivileged user it runs as, and a
// forwarded host port (hostfwd) brings host connections to a guest listener.
// Node's sockets do the host I/O on the event loop; flow control follows the
// guest socket's buffers (pause the host side while the guest's receive
// queue is full, accept guest data while the host's send queue has room).
import net from 'node:net';
import { Errno, E } from '../../host/errno.js';
import { setupParam } from '../../init/params.js';
import { netOf, type Net } from '../core/dev.js';
import { hostErrno, guestAddressOf, hostAddressOf, parseIp, SLIRP, type SockAddr } from './inet_addr.js';
import { InetSocket } from './inet_sock.js';
import type { Endpoint, TcpSocket } from './tcp.js';


class HostConn implements Endpoint {
  private connected: boolean;
  /** The guest closed its socket: the host side is ended and its data dropped. */
  private guestGone = false;

  constructor(private readonly guest: TcpSocket, private readonly sock: net.Socket, connected: boolean) {
    this.connected = connected;
    sock.unref();
    sock.on('connect', () => { this.connected = true; guest.hostConnected(0); });
    sock.on('data', (d: Buffer) => {
      if (this.guestGone) { sock.destroy(); return; }
      guest.deliver(d);
      if (guest.rxQueued() >= guest.rcvbuf) sock.pause();
    });
    sock.on('end', () => { if (!this.guestGone) guest.finFromPeer(); });
    sock.on('drain', () => guest.drained());
    sock.on('error', (e) => {
      if (this.guestGone) return;
      if (!this.connected) { guest.hostConnected(hostErrno(e, E.ECONNRESET)); return; }
      guest.err = hostErrno(e, E.ECONNRESET);
      guest.peerClosed(false);
    });
  }

  deliver(data: Buffer): void { this.sock.write(data); }
  space(): number { return this.connected ? Math.max(0, this.guest.sndbuf - this.sock.writableLength) : 0; }
  finFromPeer(): void { this.sock.end(); }
  peerClosed(reset: boolean): void {
    this.guestGone = true;
    if (reset) this.sock.resetAndDestroy(); else this.sock.end();
  }
  drained(): void { if (this.guest.rxQueued() < this.guest.rcvbuf) this.sock.resume(); }
}

/** The guest connects to an address off the machine: a host connection to it. */
export function connectHost(guest: TcpSocket, dst: SockAddr): Endpoint {
  const host = hostAddressOf(dst.addr);
  if (dst.addr.length === 4 && host === SLIRP.DNS) throw new Errno(E.ECONNREFUSED);
  const sock = net.connect({ host, port: dst.port, allowHalfOpen: true, noDelay: true });
  return new HostConn(guest, sock, false);
}

/** One forwarded port: host connections to hostAddr:hostPort reach the guest's listener on guestPort. */
export interface Forward { hostAddr: string; hostPort: number; guestPort: number }

/** Listens on the host for a forward; connections find the guest's listener at that moment. */
export function startForward(netns: Net, f: Forward): net.Server {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (sock) => {
    const guestAddr = parseIp(SLIRP.GUEST);
    const listener = InetSocket.lookup(netns, 'tcp', guestAddr, f.guestPort)
      .find((s): s is TcpSocket => s.isListening() && 'enqueue' in s);
    if (!listener) { sock.resetAndDestroy(); return; }
    const child = listener.spawnChild(
      { family: listener.family, addr: guestAddr, port: f.guestPort },
      { family: listener.family, addr: guestAddressOf(sock.remoteAddress ?? '127.0.0.1'), port: sock.remotePort ?? 0 });
    child.other = new HostConn(child, sock, true);
    if (!listener.enqueue(child)) { child.put(); sock.resetAndDestroy(); }
  });
  server.on('error', (e) => process.stderr.write(`tuml: hostfwd ${f.hostAddr}:${f.hostPort}: ${(e as Error).message}\n`));
  server.listen(f.hostPort, f.hostAddr);
  server.unref();
  return server;
}

/**
 * hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, QEMU's user-network
 * syntax (the CLI's -p [HOSTADDR:]HOSTPORT:GUESTPORT gives the same). The
 * host address defaults to 127.0.0.1: a guest service is not put on the
 * host's network unless asked.
 */
export function parseHostfwd(v: string): Forward {
  const m = /^(?:tcp:)?(\[?[0-9a-fA-F.:]*\]?):(\d+)-(?:[0-9.]*):(\d+)$/.exec(v);
  if (!m) throw new Error(`hostfwd: '${v}' is not tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`);
  const hostPort = Number(m[2]), guestPort = Number(m[3]);
  if (!hostPort || hostPort > 65535 || !guestPort || guestPort > 65535) throw new Error(`hostfwd: bad port in '${v}'`);
  return { hostAddr: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', hostPort, guestPort };
}

setupParam('hostfwd', (value, kernel) => { startForward(netOf(kernel), parseHostfwd(value)); });
