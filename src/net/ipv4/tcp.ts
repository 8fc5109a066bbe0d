// TCP sockets (net/ipv4/tcp*.c, as a byte stream between two endpoints).
// A connection to one of the machine's own addresses joins two guest sockets
// directly, with flow control by the receiver's buffer: no host port is ever
// used, so two machines can both listen on port 80. A connection elsewhere
// has a host connection as its other end (tcp_host.ts), as slirp gives UML.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { POLL } from '../../fs/file.js';
import { MSG, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, SYSCTL, recvResult, type RecvMsg, type SendMsg } from '../socket.js';
import { InetSocket, IPPROTO } from './inet_sock.js';
import type { Net } from '../core/dev.js';
import { routeOf, sourceFor, unmap, type SockAddr } from './inet_addr.js';
import { connectHost } from './tcp_host.js';

/** The other end of a connection, as one socket sees it. */
export interface Endpoint {
  /** Takes bytes sent to it (never more than space() allows). */
  deliver(data: Buffer): void;
  /** Bytes it can take now. */
  space(): number;
  /** The sender shut down writing (FIN). */
  finFromPeer(): void;
  /** The sender went away: with unread data it resets (RST), else it closed (FIN, then EPIPE on writes). */
  peerClosed(reset: boolean): void;
  /** The receiver of our data consumed some: we may send more. */
  drained(): void;
}

type State = 'closed' | 'listen' | 'connecting' | 'established';
const TCP_STATE: Record<State, number> = { established: 1, connecting: 2, closed: 7, listen: 10 };
const TCP = { NODELAY: 1, MAXSEG: 2, CORK: 3, KEEPIDLE: 4, KEEPINTVL: 5, KEEPCNT: 6, SYNCNT: 7, LINGER2: 8,
  DEFER_ACCEPT: 9, WINDOW_CLAMP: 10, INFO: 11, QUICKACK: 12, CONGESTION: 13, USER_TIMEOUT: 18, FASTOPEN: 23,
  NOTSENT_LOWAT: 25 } as const;
/** The TCP options that are flags: any non-zero value reads back as 1. */
const BOOL_TCP = new Set<number>([TCP.NODELAY, TCP.CORK, TCP.QUICKACK]);
const TCP_DEFAULTS: Record<number, number> = {
  [TCP.NODELAY]: 0, [TCP.MAXSEG]: 536, [TCP.CORK]: 0, [TCP.KEEPIDLE]: 7200, [TCP.KEEPINTVL]: 75, [TCP.KEEPCNT]: 9,
  [TCP.SYNCNT]: 6, [TCP.LINGER2]: 60, [TCP.DEFER_ACCEPT]: 0, [TCP.WINDOW_CLAMP]: 0, [TCP.QUICKACK]: 1,
  [TCP.USER_TIMEOUT]: 0, [TCP.FASTOPEN]: 0, [TCP.NOTSENT_LOWAT]: -1,
};

export class TcpSocket extends InetSocket implements Endpoint {
  state: State = 'closed';
  other: Endpoint | null = null;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  /** The peer shut down writing: reads end at EOF once rx is empty. */
  private rxFin = false;
  /** The peer is gone: writes fail with EPIPE. */
  private peerGone = false;
  private wroteToGone = false;
  private readonly acceptq: TcpSocket[] = [];
  private backlog = 0;
  /** A non-blocking connect was started and not yet reported complete by a later connect. */
  private inProgress = false;

  constructor(net: Net, owner: { uid: number; gid: number }, family: number, type: number, protocol: number, flags: number) {
    super(net, owner, family, type, protocol, flags, 'tcp');
  }

  override isListening(): boolean { return this.state === 'listen'; }

  // ---- connection setup ----

  override listen(_t: Task, backlog: number): void {
    if (this.state !== 'closed' && this.state !== 'listen') throw new Errno(E.EINVAL);
    if (this.shutdownMask) throw new Errno(E.EINVAL);
    this.autobind();
    this.backlog = Math.min(Math.max(backlog, 0), SYSCTL.somaxconn);
    this.state = 'listen';
  }

  override async accept(t: Task, nonblock: boolean): Promise<TcpSocket> {
    if (this.state !== 'listen') throw new Errno(E.EINVAL);
    for (;;) {
      const c = this.acceptq.shift();
      if (c) return c;
      if (nonblock) throw new Errno(E.EAGAIN);
      await this.sleep(t, [this.waitq], this.deadline(false));
      if (this.state !== 'listen') throw new Errno(E.EINVAL);
    }
  }

  override async connect(t: Task, addr: Buffer, nonblock: boolean): Promise<void> {
    // The first connect after a non-blocking one completed reports the completion (SS_CONNECTING -> SS_CONNECTED).
    if (this.state === 'established' && this.inProgress) { this.inProgress = false; return; }
    if (this.state === 'closed' && this.inProgress) {
      this.inProgress = false;
      const e = this.takeError();
      if (e) throw new Errno(e);
    }
    if (this.state === 'established') throw new Errno(E.EISCONN);
    if (this.state === 'connecting') throw new Errno(E.EALREADY);
    if (this.state === 'listen') throw new Errno(E.EINVAL);
    const dst = this.parse(addr);
    if (dst.port === 0) throw new Errno(E.ECONNREFUSED);
    const route = routeOf(this.net, dst.addr);
    this.autobind();
    this.remote = { family: this.family, addr: dst.addr, port: dst.port };
    if (unmap(this.local.addr).every((b) => b === 0)) this.local = { ...this.local, addr: this.mapped(sourceFor(this.net, dst.addr)) };
    if (route === 'local') {
      this.connectLocal(dst);
      // A non-blocking connect reports EINPROGRESS even when the handshake is instant, as on Linux.
      if (nonblock) { this.inProgress = true; throw new Errno(E.EINPROGRESS); }
      return;
    }
    this.state = 'connecting';
    this.other = connectHost(this, dst);
    if (nonblock) { this.inProgress = true; throw new Errno(E.EINPROGRESS); }
    while (this.state === 'connecting') await this.sleep(t, [this.waitq], this.deadline(true));
    const err = this.takeError();
    if (err) throw new Errno(err);
  }

  /** An address of the socket's family (a v4 address in a v6 socket is v4-mapped). */
  private mapped(a: Buffer): Buffer {
    if (this.family === 10 && a.length === 4) return Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), a]);
    return a;
  }

  /** The three-way handshake with a guest listener, done at once. */
  private connectLocal(dst: SockAddr): void {
    const listener = InetSocket.lookup(this.net, 'tcp', dst.addr, dst.port)
      .find((s): s is TcpSocket => s instanceof TcpSocket && s.state === 'listen');
    if (!listener) { this.remote = null; throw new Errno(E.ECONNREFUSED); }
    if (listener.acceptq.length > listener.backlog) { this.remote = null; throw new Errno(E.ECONNREFUSED); }
    const child = listener.spawnChild({ family: listener.family, addr: listener.mapped(unmap(dst.addr)), port: dst.port },
      { family: listener.family, addr: listener.mapped(unmap(this.local.addr)), port: this.local.port });
    child.other = this;
    this.other = child;
    this.state = 'established';
    listener.acceptq.push(child);
    listener.waitq.wake();
  }

  /** A connected socket for the accept queue (inet_csk_clone_lock): the listener's settings, its own state. */
  spawnChild(local: SockAddr, remote: SockAddr): TcpSocket {
    const c = new TcpSocket(this.net, { uid: this.st.uid, gid: this.st.gid }, this.family, this.type, this.protocol, this.flags & ~0o4000);
    c.local = local;
    c.remote = remote;
    c.state = 'established';
    c.sndbuf = this.sndbuf;
    c.rcvbuf = this.rcvbuf;
    for (const o of this.boolOpts) c.boolOpts.add(o);
    return c;
  }

  /** The connection to a host peer came up or failed (tcp_host.ts). */
  hostConnected(err: number): void {
    if (this.state !== 'connecting') return;
    if (err) {
      this.err = err;
      this.state = 'closed';
      this.other = null;
      this.remote = null;
    } else {
      this.state = 'established';
    }
    this.waitq.wake();
  }

  /** Queues a connection that a host peer made to this listener (port forwarding). */
  enqueue(child: TcpSocket): boolean {
    if (this.state !== 'listen' || this.acceptq.length > this.backlog) return false;
    this.acceptq.push(child);
    this.waitq.wake();
    return true;
  }

  // ---- data ----

  override async sendmsg(t: Task, msg: SendMsg): Promise<number> {
    if (msg.flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    const nonblock = (msg.flags & MSG.DONTWAIT) !== 0 || this.nonblock;
    const deadline = this.deadline(true);
    let sent = 0;
    for (;;) {
      while (this.state === 'connecting') {
        if (nonblock) throw new Errno(E.EAGAIN);
        await this.sleep(t, [this.waitq], deadline);
      }
      const e = this.takeError();
      if (e) { if (sent) { this.err = e; return sent; } throw new Errno(e); }
      if (this.peerGone && !this.wroteToGone && this.state === 'established' && !(this.shutdownMask & SEND_SHUTDOWN)) {
        // The peer closed: this write still goes out (and draws its RST); the next fails.
        this.wroteToGone = true;
        return msg.data.length;
      }
      if (this.state !== 'established' || (this.shutdownMask & SEND_SHUTDOWN) || this.peerGone || !this.other) {
        if (sent) return sent;
        this.sigpipe(t, msg.flags);
        throw new Errno(E.EPIPE);
      }
      const n = Math.min(msg.data.length - sent, this.other.space());
      if (n > 0) {
        this.other.deliver(msg.data.subarray(sent, sent + n));
        sent += n;
        this.count(n, 'tx');
      }
      if (sent === msg.data.length) return sent;
      if (nonblock) { if (sent) return sent; throw new Errno(E.EAGAIN); }
      try {
        await this.sleep(t, [this.waitq], deadline);
      } catch (err) {
        if (sent) return sent;
        throw err;
      }
    }
  }

  override async recvmsg(t: Task, len: number, flags: number): Promise<RecvMsg> {
    if (flags & MSG.OOB) throw new Errno(E.EINVAL);
    if (this.state === 'listen') throw new Errno(E.ENOTCONN);
    const nonblock = (flags & MSG.DONTWAIT) !== 0 || this.nonblock;
    const deadline = this.deadline(false);
    const got: Buffer[] = [];
    let have = 0;
    for (;;) {
      if (this.rxBytes > 0 && len > have) {
        const chunk = this.take(len - have, (flags & MSG.PEEK) !== 0);
        got.push(chunk);
        have += chunk.length;
        if (!(flags & MSG.WAITALL) || have >= len || (flags & MSG.PEEK)) break;
        continue;
      }
      if (have >= len && len > 0) break;
      const e = this.takeError();
      if (e) { if (have) { this.err = e; break; } throw new Errno(e); }
      if (this.rxFin || (this.shutdownMask & RCV_SHUTDOWN) || len === 0) break;
      if (this.state === 'closed') { if (have) break; throw new Errno(E.ENOTCONN); }
      if (nonblock) { if (have) break; throw new Errno(E.EAGAIN); }
      try {
        await this.sleep(t, [this.waitq], deadline);
      } catch (err) {
        if (have) break;
        throw err;
      }
    }
    const data = Buffer.concat(got);
    return recvResult((flags & MSG.TRUNC) ? Buffer.alloc(0) : data, { result: data.length, name: this.remote ? this.getname(true) : null });
  }

  /** Takes (or with peek, copies) up to n bytes from the receive queue. */
  private take(n: number, peek: boolean): Buffer {
    const out: Buffer[] = [];
    let left = n;
    for (let i = 0; i < this.rx.length && left > 0; i++) {
      const b = this.rx[i];
      out.push(b.subarray(0, Math.min(left, b.length)));
      left -= Math.min(left, b.length);
    }
    const data = Buffer.concat(out);
    if (peek) return data;
    let drop = data.length;
    while (drop > 0) {
      const b = this.rx[0];
      if (b.length <= drop) { this.rx.shift(); drop -= b.length; } else { this.rx[0] = b.subarray(drop); drop = 0; }
    }
    this.rxBytes -= data.length;
    this.other?.drained();
    return data;
  }

  private count(n: number, dir: 'tx' | 'rx'): void {
    if (this.other instanceof TcpSocket) {
      const lo = this.net.devices[0].stats;
      if (dir === 'tx') { lo.txBytes += BigInt(n); lo.txPackets++; lo.rxBytes += BigInt(n); lo.rxPackets++; }
    }
  }

  // ---- Endpoint: what the other end does to this socket ----

  deliver(data: Buffer): void {
    this.rx.push(Buffer.from(data));
    this.rxBytes += data.length;
    this.waitq.wake();
  }
  space(): number {
    if (this.shutdownMask & RCV_SHUTDOWN) return Number.MAX_SAFE_INTEGER;  // Linux discards what a reader shut out
    return Math.max(0, this.rcvbuf - this.rxBytes);
  }
  protected override inq(): number { return this.rxBytes; }
  /** How much a host peer may hand us before it must pause. */
  rxQueued(): number { return this.rxBytes; }
  finFromPeer(): void { this.rxFin = true; this.waitq.wake(); }
  peerClosed(reset: boolean): void {
    this.rxFin = true;
    this.peerGone = true;
    this.other = null;
    if (reset) { this.err = E.ECONNRESET; this.rx = []; this.rxBytes = 0; }
    this.waitq.wake();
  }
  drained(): void { this.waitq.wake(); }

  override shutdown(how: number): void {
    if (how < 0 || how > 2) throw new Errno(E.EINVAL);
    if (this.state === 'listen' && (how + 1) & RCV_SHUTDOWN) { this.wakeListenerClosed(); return; }
    if (this.state !== 'established' && this.state !== 'connecting') throw new Errno(E.ENOTCONN);
    const mask = how + 1;
    if ((mask & SEND_SHUTDOWN) && !(this.shutdownMask & SEND_SHUTDOWN)) this.other?.finFromPeer();
    this.shutdownMask |= mask & SHUTDOWN_MASK;
    this.waitq.wake();
  }

  private wakeListenerClosed(): void {
    this.state = 'closed';
    for (const c of this.acceptq.splice(0)) c.put();
    this.waitq.wake();
  }

  override poll(): number {
    if (this.state === 'listen') return this.acceptq.length ? POLL.IN | POLL.RDNORM : 0;
    let m = 0;
    if (this.err) m |= POLL.ERR;
    if (this.state === 'connecting') return m;
    const rdDone = this.rxFin || (this.shutdownMask & RCV_SHUTDOWN) !== 0;
    if (this.rxBytes > 0 || rdDone || this.err) m |= POLL.IN | POLL.RDNORM;
    if (this.rxFin) m |= POLL.RDHUP;
    const wrDone = (this.shutdownMask & SEND_SHUTDOWN) !== 0;
    if (this.state === 'closed' || (rdDone && wrDone) || this.peerGone && this.rxFin && wrDone) m |= POLL.HUP;
    if (this.state === 'closed' || wrDone || this.peerGone || (this.other && this.other.space() > 0)) m |= POLL.OUT | POLL.WRNORM;
    return m;
  }

  protected override release(): void {
    if (this.state === 'listen') this.wakeListenerClosed();
    const o = this.other;
    this.other = null;
    o?.peerClosed(this.rxBytes > 0 || (this.linger.onoff === 1 && this.linger.secs === 0));
    this.state = 'closed';
    super.release();
  }

  // ---- TCP options ----

  protected override knowsOpt(level: number, name: number): boolean {
    return level === IPPROTO.TCP && name in TCP_DEFAULTS;
  }
  protected override defaultOpt(level: number, name: number): number | undefined {
    if (level !== IPPROTO.TCP) return undefined;
    if (name === TCP.MAXSEG && this.state === 'established') return this.other instanceof TcpSocket ? 65483 : 1448;
    return TCP_DEFAULTS[name];
  }
  override getProtoOpt(t: Task, level: number, name: number, len: number): Buffer {
    if (level === IPPROTO.TCP && name === TCP.INFO) {
      const b = Buffer.alloc(Math.min(len, 232));
      if (b.length) b[0] = TCP_STATE[this.state];
      return b;
    }
    if (level === IPPROTO.TCP && name === TCP.CONGESTION) {
      const b = Buffer.alloc(16);
      b.write('cubic');
      return b.subarray(0, Math.min(len, 16));
    }
    return super.getProtoOpt(t, level, name, len);
  }
  override setProtoOpt(t: Task, level: number, name: number, val: Buffer): void {
    if (level === IPPROTO.TCP && name === TCP.CONGESTION) {
      const s = val.toString('latin1').replace(/\0.*$/s, '');
      if (!['cubic', 'reno'].includes(s)) throw new Errno(E.ENOENT);
      return;
    }
    if (level === IPPROTO.TCP && name === TCP.INFO) throw new Errno(E.ENOPROTOOPT);
    if (level === IPPROTO.TCP && BOOL_TCP.has(name) && val.length >= 4) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(val.readInt32LE(0) ? 1 : 0);
      val = b;
    }
    super.setProtoOpt(t, level, name, val);
  }
}
