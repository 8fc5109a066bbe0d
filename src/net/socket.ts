// The socket layer (net/socket.c, net/core/sock.c): a socket is a file of the
// kernel whose operations a protocol family supplies (struct proto_ops). This
// file holds what every family shares: the constants of the ABI, the family
// registry that socket(2) consults, the generic SOL_SOCKET options, blocking
// with SO_RCVTIMEO/SO_SNDTIMEO, and read/write as recvmsg/sendmsg.
import { Errno, E } from '../host/errno.js';
import { anonStat, File, type MaybeAsync, POLL, S_IFSOCK, type Stat } from '../fs/file.js';
import { Interrupted, sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import type { WaitQueue } from '../kernel/wait.js';
import { CAP } from '../kernel/cred.js';

export const AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17, MAX: 46 } as const;
export const SOCK = {
  STREAM: 1, DGRAM: 2, RAW: 3, RDM: 4, SEQPACKET: 5, DCCP: 6, PACKET: 10, MAX: 11, TYPE_MASK: 0xf,
} as const;
export const MSG = {
  OOB: 0x1, PEEK: 0x2, DONTROUTE: 0x4, CTRUNC: 0x8, TRUNC: 0x20, DONTWAIT: 0x40, EOR: 0x80,
  WAITALL: 0x100, ERRQUEUE: 0x2000, NOSIGNAL: 0x4000, MORE: 0x8000, WAITFORONE: 0x10000,
  CMSG_CLOEXEC: 0x40000000,
} as const;
export const SOL_SOCKET = 1;
export const SO = {
  DEBUG: 1, REUSEADDR: 2, TYPE: 3, ERROR: 4, DONTROUTE: 5, BROADCAST: 6, SNDBUF: 7, RCVBUF: 8,
  KEEPALIVE: 9, OOBINLINE: 10, NO_CHECK: 11, PRIORITY: 12, LINGER: 13, BSDCOMPAT: 14, REUSEPORT: 15,
  PASSCRED: 16, PEERCRED: 17, RCVLOWAT: 18, SNDLOWAT: 19, RCVTIMEO: 20, SNDTIMEO: 21,
  TIMESTAMP: 29, ACCEPTCONN: 30, PEERSEC: 31, SNDBUFFORCE: 32, RCVBUFFORCE: 33, PASSSEC: 34,
  TIMESTAMPNS: 35, MARK: 36, PROTOCOL: 38, DOMAIN: 39, PEEK_OFF: 42, PEERGROUPS: 59,
  RCVTIMEO_NEW: 66, SNDTIMEO_NEW: 67,
} as const;
export const SCM = { RIGHTS: 1, CREDENTIALS: 2 } as const;
/** sk_shutdown bits: SHUT_RD is RCV_SHUTDOWN, SHUT_WR is SEND_SHUTDOWN. */
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

// The guest's net.core sysctls, at Linux's defaults.
export const SYSCTL = { wmemDefault: 212992, rmemDefault: 212992, wmemMax: 212992, rmemMax: 212992, somaxconn: 4096 };
const SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;
const SIGPIPE = 13;

/** Process credentials as SCM_CREDENTIALS carries them. */
export interface Ucred { pid: number; uid: number; gid: number }
/** What SO_PEERCRED and SO_PEERGROUPS report: the peer's credentials at connect/listen time. */
export interface PeerCred extends Ucred { groups: number[] }

export function ucredOf(t: Task): Ucred { return { pid: t.pid, uid: t.cred.uid, gid: t.cred.gid }; }
export function peerCredOf(t: Task): PeerCred {
  return { pid: t.pid, uid: t.cred.euid, gid: t.cred.egid, groups: [...t.cred.groups] };
}

/** A message handed to a protocol's sendmsg (struct msghdr with its scm_cookie). */
export interface SendMsg {
  data: Buffer;
  /** Destination address as the caller gave it (null: none). */
  name: Buffer | null;
  /** SCM_RIGHTS: the files, each with a reference the message owns. */
  rights: File[] | null;
  /** SCM_CREDENTIALS the sender asserted (already checked). */
  creds: Ucred | null;
  flags: number;
}

/** What a protocol's recvmsg gives back. */
export interface RecvMsg {
  data: Buffer;
  /** The call's result (the full datagram length under MSG_TRUNC). */
  result: number;
  /** Source address (null: none to report, msg_namelen 0). */
  name: Buffer | null;
  /** Received files (references owned by the caller until installed or put). */
  rights: File[] | null;
  /** Credentials to report as SCM_CREDENTIALS (only when SO_PASSCRED asked for them). */
  creds: Ucred | null;
  /** msg_flags bits (MSG_TRUNC, ...). */
  flags: number;
}

export function recvResult(data: Buffer, more: Partial<RecvMsg> = {}): RecvMsg {
  return { data, result: data.length, name: null, rights: null, creds: null, flags: 0, ...more };
}

/** Drops the references of files that a message carried and nobody took. */
export function putFiles(files: File[] | null): void {
  if (files) for (const f of files) f.put();
}

function intOpt(val: Buffer): number {
  if (val.length < 4) throw new Errno(E.EINVAL);
  return val.readInt32LE(0);
}
function intBuf(v: number): Buffer { const b = Buffer.alloc(4); b.writeInt32LE(v | 0); return b; }

/** Boolean SOL_SOCKET options every socket keeps and reports (sock_setsockopt's valbool cases). */
const BOOL_OPTS = new Set<number>([SO.REUSEADDR, SO.KEEPALIVE, SO.DONTROUTE, SO.BROADCAST, SO.OOBINLINE,
  SO.REUSEPORT, SO.TIMESTAMP, SO.TIMESTAMPNS, SO.PASSSEC]);

export abstract class Socket extends File {
  readonly st: Stat;
  shutdownMask = 0;
  /** sk_err: a pending asynchronous error, reported once. */
  err = 0;
  sndbuf = SYSCTL.wmemDefault;
  rcvbuf = SYSCTL.rmemDefault;
  /** SO_RCVTIMEO/SO_SNDTIMEO in microseconds (0: wait forever). */
  rcvtimeo = 0n;
  sndtimeo = 0n;
  passcred = false;
  priority = 0;
  rcvlowat = 1;
  mark = 0;
  debug = false;
  linger = { onoff: 0, secs: 0 };
  readonly boolOpts = new Set<number>();

  constructor(readonly family: number, readonly type: number, readonly protocol: number, flags: number, owner: { uid: number; gid: number }) {
    super(flags);
    this.st = anonStat(S_IFSOCK | 0o777, 0x8n);
    this.st.uid = owner.uid;
    this.st.gid = owner.gid;
  }

  get ino(): bigint { return this.st.ino; }
  describe(): string { return `socket:[${this.st.ino}]`; }
  override stat(): Stat { return { ...this.st }; }

  // ---- proto_ops; the defaults are Linux's sock_no_* answers ----
  bind(_t: Task, _addr: Buffer): MaybeAsync<void> { throw new Errno(E.EOPNOTSUPP); }
  connect(_t: Task, _addr: Buffer, _nonblock: boolean): MaybeAsync<void> { throw new Errno(E.EOPNOTSUPP); }
  listen(_t: Task, _backlog: number): void { throw new Errno(E.EOPNOTSUPP); }
  accept(_t: Task, _nonblock: boolean): MaybeAsync<Socket> { throw new Errno(E.EOPNOTSUPP); }
  /** The local (peer = false) or remote address, as getsockname/getpeername return it. */
  abstract getname(peer: boolean): Buffer;
  abstract sendmsg(t: Task, msg: SendMsg): MaybeAsync<number>;
  abstract recvmsg(t: Task, len: number, flags: number): MaybeAsync<RecvMsg>;
  shutdown(_how: number): void { throw new Errno(E.EOPNOTSUPP); }
  /** The peer's credentials for SO_PEERCRED (null: none). */
  peerCred(): PeerCred | null { return null; }
  isListening(): boolean { return false; }
  /** Options of a level other than SOL_SOCKET; a family without any answers EOPNOTSUPP. */
  setProtoOpt(_t: Task, _level: number, _name: number, _val: Buffer): void { throw new Errno(E.EOPNOTSUPP); }
  getProtoOpt(_t: Task, _level: number, _name: number, _len: number): Buffer { throw new Errno(E.EOPNOTSUPP); }

  /** sock_error(): takes the pending error. */
  takeError(): number { const e = this.err; this.err = 0; return e; }

  /** send_sig(SIGPIPE, current) unless MSG_NOSIGNAL; the caller then fails with EPIPE. */
  sigpipe(t: Task, flags: number): void {
    if (!(flags & MSG.NOSIGNAL)) t.kernel.sendSignal(t, SIGPIPE, true, { code: 0, pid: t.pid, uid: t.cred.uid });
  }

  /** When a wait of this direction gives up (ms since the epoch; null: never). */
  deadline(send: boolean): number | null {
    const us = send ? this.sndtimeo : this.rcvtimeo;
    return us === 0n ? null : Date.now() + Number(us / 1000n) + (us % 1000n ? 1 : 0);
  }

  /**
   * Sleeps until a queue is woken. With a timeout set, running out of time
   * is EAGAIN and a signal is EINTR even under SA_RESTART (sock_intr_errno).
   */
  async sleep(t: Task, queues: WaitQueue[], deadline: number | null): Promise<void> {
    let left: number | null = null;
    if (deadline !== null) {
      left = deadline - Date.now();
      if (left <= 0) throw new Errno(E.EAGAIN);
    }
    try {
      await sleepOn(t, queues, left);
    } catch (e) {
      if (e instanceof Interrupted && deadline !== null) throw new Errno(E.EINTR);
      throw e;
    }
  }

  // ---- the file side: read and write are recv and send without flags ----
  override async read(t: Task, len: number, pos: bigint | null): Promise<Buffer> {
    if (pos !== null) throw new Errno(E.ESPIPE);
    if (len === 0) return Buffer.alloc(0);
    const r = await this.recvmsg(t, len, this.nonblock ? MSG.DONTWAIT : 0);
    putFiles(r.rights);
    return r.data;
  }

  override async write(t: Task, data: Buffer, pos: bigint | null): Promise<number> {
    if (pos !== null) throw new Errno(E.ESPIPE);
    return this.sendmsg(t, { data, name: null, rights: null, creds: null, flags: this.nonblock ? MSG.DONTWAIT : 0 });
  }

  override poll(): number { return POLL.OUT; }

  /**
   * The ioctls every socket answers whatever its family (sock_ioctl's
   * fallback to dev_ioctl for SIOC*IF*): the registered handlers, in turn.
   */
  override ioctl(t: Task, cmd: number, arg: bigint): MaybeAsync<number> {
    for (const h of sockIoctls) {
      const r = h(t, this, cmd, arg);
      if (r !== null) return r;
    }
    throw new Errno(E.ENOTTY);
  }

  // ---- SOL_SOCKET options (sk_setsockopt / sk_getsockopt) ----
  setsockopt(t: Task, level: number, name: number, val: Buffer): void {
    if (level !== SOL_SOCKET) { this.setProtoOpt(t, level, name, val); return; }
    switch (name) {
      case SO.SNDBUF: case SO.SNDBUFFORCE: {
        if (name === SO.SNDBUFFORCE && !t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
        let v = intOpt(val);
        if (name === SO.SNDBUF) v = Math.min(v >>> 0, SYSCTL.wmemMax);
        this.sndbuf = Math.max(Math.min(v, 0x3fffffff) * 2, SOCK_MIN_SNDBUF);
        this.waitq.wake();
        return;
      }
      case SO.RCVBUF: case SO.RCVBUFFORCE: {
        if (name === SO.RCVBUFFORCE && !t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
        let v = intOpt(val);
        if (name === SO.RCVBUF) v = Math.min(v >>> 0, SYSCTL.rmemMax);
        this.rcvbuf = Math.max(Math.min(v, 0x3fffffff) * 2, SOCK_MIN_RCVBUF);
        return;
      }
      case SO.PASSCRED: this.passcred = intOpt(val) !== 0; return;
      case SO.DEBUG: {
        const v = intOpt(val);
        if (v && !t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EACCES);
        this.debug = v !== 0;
        return;
      }
      case SO.PRIORITY: {
        const v = intOpt(val);
        if ((v < 0 || v > 6) && !t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
        this.priority = v;
        return;
      }
      case SO.MARK: {
        const v = intOpt(val);
        if (!t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
        this.mark = v;
        return;
      }
      case SO.RCVLOWAT: { const v = intOpt(val); this.rcvlowat = v < 0 ? 0x7fffffff : v; return; }
      case SO.LINGER: {
        if (val.length < 8) throw new Errno(E.EINVAL);
        this.linger = { onoff: val.readInt32LE(0) ? 1 : 0, secs: val.readInt32LE(4) };
        return;
      }
      case SO.RCVTIMEO: case SO.SNDTIMEO: case SO.RCVTIMEO_NEW: case SO.SNDTIMEO_NEW: {
        if (val.length < 16) throw new Errno(E.EINVAL);
        const sec = val.readBigInt64LE(0), usec = val.readBigInt64LE(8);
        if (usec < 0n || usec >= 1000000n) throw new Errno(E.EDOM);
        const us = sec < 0n ? 1n : sec * 1000000n + usec;   // a negative time: do not wait at all
        if (name === SO.RCVTIMEO || name === SO.RCVTIMEO_NEW) this.rcvtimeo = us; else this.sndtimeo = us;
        return;
      }
      case SO.SNDLOWAT: throw new Errno(E.ENOPROTOOPT);
      case SO.REUSEPORT:
        // Port reuse means something only for inet sockets.
        if (intOpt(val) && this.family !== AF.INET && this.family !== AF.INET6) throw new Errno(E.EOPNOTSUPP);
        break;
      case SO.TYPE: case SO.PROTOCOL: case SO.DOMAIN: case SO.ERROR: case SO.ACCEPTCONN: case SO.PEERCRED:
      case SO.PEERGROUPS:
        throw new Errno(E.ENOPROTOOPT);
    }
    if (BOOL_OPTS.has(name)) {
      if (intOpt(val)) this.boolOpts.add(name); else this.boolOpts.delete(name);
      return;
    }
    throw new Errno(E.ENOPROTOOPT);
  }

  /** The option's value; the caller copies at most len bytes of it and reports its length. */
  getsockopt(t: Task, level: number, name: number, len: number): Buffer {
    if (level !== SOL_SOCKET) return this.getProtoOpt(t, level, name, len);
    switch (name) {
      case SO.TYPE: return intBuf(this.type);
      case SO.PROTOCOL: return intBuf(this.protocol);
      case SO.DOMAIN: return intBuf(this.family);
      case SO.ERROR: return intBuf(this.takeError());
      case SO.ACCEPTCONN: return intBuf(this.isListening() ? 1 : 0);
      case SO.SNDBUF: return intBuf(this.sndbuf);
      case SO.RCVBUF: return intBuf(this.rcvbuf);
      case SO.PASSCRED: return intBuf(this.passcred ? 1 : 0);
      case SO.DEBUG: return intBuf(this.debug ? 1 : 0);
      case SO.PRIORITY: return intBuf(this.priority);
      case SO.MARK: return intBuf(this.mark);
      case SO.RCVLOWAT: return intBuf(this.rcvlowat);
      case SO.SNDLOWAT: return intBuf(1);
      case SO.PEEK_OFF: return intBuf(-1);
      case SO.LINGER: {
        const b = Buffer.alloc(8);
        b.writeInt32LE(this.linger.onoff, 0); b.writeInt32LE(this.linger.secs, 4);
        return b;
      }
      case SO.RCVTIMEO: case SO.SNDTIMEO: case SO.RCVTIMEO_NEW: case SO.SNDTIMEO_NEW: {
        const us = name === SO.RCVTIMEO || name === SO.RCVTIMEO_NEW ? this.rcvtimeo : this.sndtimeo;
        const b = Buffer.alloc(16);
        b.writeBigInt64LE(us / 1000000n, 0); b.writeBigInt64LE(us % 1000000n, 8);
        return b;
      }
      case SO.PEERCRED: {
        const c = this.peerCred();
        const b = Buffer.alloc(12);
        b.writeInt32LE(c?.pid ?? 0, 0);
        b.writeInt32LE(c ? c.uid : -1, 4);
        b.writeInt32LE(c ? c.gid : -1, 8);
        return b;
      }
      case SO.PEERGROUPS: {
        const c = this.peerCred();
        if (!c) throw new Errno(E.ENODATA);
        const b = Buffer.alloc(c.groups.length * 4);
        c.groups.forEach((g, i) => b.writeUInt32LE(g >>> 0, i * 4));
        if (len < b.length) throw new PeerGroupsRange(b.length);
        return b;
      }
    }
    if (BOOL_OPTS.has(name)) return intBuf(this.boolOpts.has(name) ? 1 : 0);
    throw new Errno(E.ENOPROTOOPT);
  }
}

/** SO_PEERGROUPS into too small a buffer: ERANGE, with the length it needs written back. */
export class PeerGroupsRange extends Errno {
  constructor(readonly needed: number) { super(E.ERANGE); }
}

/** A handler of socket ioctls shared by all families; null: not its command. */
export type SockIoctl = (t: Task, sock: Socket, cmd: number, arg: bigint) => MaybeAsync<number> | null;
const sockIoctls: SockIoctl[] = [];
export function registerSockIoctl(h: SockIoctl): void { sockIoctls.push(h); }

// ---- the family registry (net_proto_family, sock_register) ----

export interface NetProtoFamily {
  family: number;
  /** socket(2): a new socket of the type (already checked against SOCK_MAX). */
  create(t: Task, type: number, protocol: number, flags: number): Socket;
  /** socketpair(2); families without it answer EOPNOTSUPP. */
  socketpair?(t: Task, a: Socket, b: Socket): void;
}

const families = new Map<number, NetProtoFamily>();

export function sockRegister(f: NetProtoFamily): void { families.set(f.family, f); }
export function sockFamily(family: number): NetProtoFamily | undefined { return families.get(family); }
