// AF_UNIX sockets (net/unix/af_unix.c): stream, datagram and seqpacket
// sockets between the guest's processes, entirely inside the kernel.
//
// Names: a filesystem name is an S_IFSOCK inode made in the guest's VFS with
// the parent directory's mknod; the kernel maps that inode (its superblock's
// dev and its ino) to the bound socket, so connect walks the path and finds
// the socket by the inode, and a socket file nobody in this machine bound (a
// host socket, a stale file) refuses the connection. Abstract names
// (sun_path[0] == 0) live in the machine's own table, never the host's.
//
// Data: each socket has a receive queue of buffers (struct sk_buff) that its
// peers append to; a buffer carries the sender (for its address and its
// send-buffer accounting), the sender's credentials and passed files.
import { Errno, E } from '../../host/errno.js';
import { File, O, POLL, S_IFMT, S_IFSOCK, type MaybeAsync } from '../../fs/file.js';
import { AT_FDCWD } from '../../fs/namei.js';
import { inodePermission, MAY, mayCreate, mayLookup } from '../../fs/permission.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { WaitQueue } from '../../kernel/wait.js';
import {
  AF, MSG, type PeerCred, peerCredOf, putFiles, RCV_SHUTDOWN, recvResult, type RecvMsg, SEND_SHUTDOWN,
  SHUTDOWN_MASK, SOCK, Socket, sockRegister, type SendMsg, type Ucred, ucredOf,
} from '../socket.js';

const SUN_PATH_OFF = 2;            // offsetof(struct sockaddr_un, sun_path)
const SOCKADDR_UN_SIZE = 110;      // sizeof(struct sockaddr_un)
/** net.unix.max_dgram_qlen: how many datagrams a receiver queues from senders it is not connected to. */
const MAX_DGRAM_QLEN = 10;

type State = 'close' | 'listen' | 'established';

/** struct sk_buff, reduced to what AF_UNIX keeps in it (UNIXCB). */
interface Skb {
  data: Buffer;
  /** Bytes of a stream buffer already read. */
  consumed: number;
  from: UnixSocket;
  cred: Ucred;
  rights: File[] | null;
  /** What the buffer charges to its sender's send buffer (skb->truesize). */
  truesize: number;
}

/** skb->truesize as Linux computes it: the data rounded up to its kmalloc bucket plus the sk_buff. */
function truesize(len: number): number {
  const head = len + 320;   // the data and struct skb_shared_info
  if (head > 32768) return Math.ceil(len / 4096) * 4096 + 1024;
  let bucket = 512;
  while (bucket < head) bucket *= 2;
  return bucket + 256;
}

/** The machine's AF_UNIX name tables (per network namespace in Linux). */
class UnixTable {
  /** Bound filesystem names: "dev:ino" of the socket inode. */
  readonly bsd = new Map<string, UnixSocket>();
  /** Abstract names, per socket type as Linux hashes them. */
  readonly abstract = new Map<string, UnixSocket>();
  /** Every live socket, for /proc/net/unix. */
  readonly all = new Set<UnixSocket>();
}
const tables = new WeakMap<Kernel, UnixTable>();
function tableOf(k: Kernel): UnixTable {
  let t = tables.get(k);
  if (!t) { t = new UnixTable(); tables.set(k, t); }
  return t;
}

const abstractKey = (type: number, addr: Buffer) => `${type}:${addr.toString('latin1')}`;

/** unix_validate_addr */
function validateAddr(addr: Buffer): void {
  if (addr.length <= SUN_PATH_OFF || addr.length > SOCKADDR_UN_SIZE) throw new Errno(E.EINVAL);
  if (addr.readUInt16LE(0) !== AF.UNIX) throw new Errno(E.EINVAL);
}

/** unix_mkname_bsd: the path is sun_path up to its first NUL (or the end of the address). */
function bsdPath(addr: Buffer): string {
  const p = addr.subarray(SUN_PATH_OFF);
  const nul = p.indexOf(0);
  return p.subarray(0, nul < 0 ? p.length : nul).toString('latin1');
}

/** The stored address of a filesystem name: family, path and its NUL. */
function bsdAddr(path: string): Buffer {
  const b = Buffer.alloc(SUN_PATH_OFF + Buffer.byteLength(path, 'latin1') + 1);
  b.writeUInt16LE(AF.UNIX, 0);
  b.write(path, SUN_PATH_OFF, 'latin1');
  return b;
}

function unnamed(): Buffer { const b = Buffer.alloc(SUN_PATH_OFF); b.writeUInt16LE(AF.UNIX, 0); return b; }

const credEq = (a: Ucred, b: Ucred) => a.pid === b.pid && a.uid === b.uid && a.gid === b.gid;

export class UnixSocket extends Socket {
  state: State = 'close';
  peer: UnixSocket | null = null;
  /** Sockets whose peer this one is (datagram clients), woken when our queue drains. */
  readonly clients = new Set<UnixSocket>();
  /** Bound address exactly as getsockname returns it (null: unnamed). */
  addr: Buffer | null = null;
  private bsdKey: string | null = null;
  private absKey: string | null = null;
  readonly queue: Skb[] = [];
  /** Connections waiting for accept (the embryos Linux queues as skbs). */
  readonly embryos: UnixSocket[] = [];
  backlog = MAX_DGRAM_QLEN;
  /** sk_wmem_alloc: what this socket's buffers in flight charge. */
  wmem = 0;
  dead = false;
  peercred: PeerCred | null = null;
  /** peer_wait: connectors waiting for backlog room, datagram senders for queue room. */
  readonly peerWait = new WaitQueue();

  constructor(readonly kernel: Kernel, type: number, flags: number, owner: { uid: number; gid: number }) {
    super(AF.UNIX, type, 0, flags, owner);
    tableOf(kernel).all.add(this);
  }

  private get connectionBased(): boolean { return this.type !== SOCK.DGRAM; }
  override isListening(): boolean { return this.state === 'listen'; }
  override peerCred(): PeerCred | null { return this.peercred; }

  /** Wakes whoever waits on or polls this socket. */
  private wakeAll(): void { this.waitq.wake(); this.peerWait.wake(); }

  // ---- names ----

  override bind(t: Task, addr: Buffer): void {
    if (addr.length === SUN_PATH_OFF && addr.readUInt16LE(0) === AF.UNIX) { this.autobind(); return; }
    validateAddr(addr);
    if (addr[SUN_PATH_OFF] !== 0) this.bindBsd(t, addr);
    else this.bindAbstract(addr);
  }

  private bindBsd(t: Task, addr: Buffer): void {
    const path = bsdPath(addr);
    const k = this.kernel;
    const { dir, name } = k.namei.resolveParent(t, AT_FDCWD, path);
    mayLookup(t, dir.inode);
    if (name === '.' || name === '..') throw new Errno(E.EADDRINUSE);
    let exists = true;
    try { dir.inode.lookup(name); } catch (e) {
      if (!(e instanceof Errno && e.errno === E.ENOENT)) throw e;
      exists = false;
    }
    if (exists) throw new Errno(E.EADDRINUSE);
    mayCreate(t, dir.inode);
    try {
      dir.inode.mknod(t, name, S_IFSOCK | (0o777 & ~t.fs.umask), 0n);
    } catch (e) {
      if (e instanceof Errno && e.errno === E.EEXIST) throw new Errno(E.EADDRINUSE);
      throw e;
    }
    if (this.addr) {   // bound meanwhile: undo the node, as unix_bind_bsd does
      try { dir.inode.unlink(t, name); } catch { /* already gone */ }
      throw new Errno(E.EINVAL);
    }
    const inode = dir.inode.lookup(name);
    const key = `${inode.sb.dev}:${inode.getattr().ino}`;
    // A newer bind on a reused inode number wins: the old name is gone.
    tableOf(k).bsd.set(key, this);
    this.bsdKey = key;
    this.addr = bsdAddr(path);
  }

  private bindAbstract(addr: Buffer): void {
    if (this.addr) throw new Errno(E.EINVAL);
    const tab = tableOf(this.kernel).abstract;
    const key = abstractKey(this.type, addr);
    if (tab.has(key)) throw new Errno(E.EADDRINUSE);
    tab.set(key, this);
    this.absKey = key;
    this.addr = Buffer.from(addr);
  }

  /** unix_autobind: an abstract name of five hex digits. */
  autobind(): void {
    if (this.addr) return;
    const tab = tableOf(this.kernel).abstract;
    const start = Math.floor(Math.random() * 0x100000);
    for (let i = 1; i <= 0x100000; i++) {
      const addr = Buffer.alloc(SUN_PATH_OFF + 6);
      addr.writeUInt16LE(AF.UNIX, 0);
      addr.write(((start + i) & 0xfffff).toString(16).padStart(5, '0'), SUN_PATH_OFF + 1, 'latin1');
      const key = abstractKey(this.type, addr);
      if (tab.has(key)) continue;
      tab.set(key, this);
      this.absKey = key;
      this.addr = addr;
      return;
    }
    throw new Errno(E.ENOSPC);
  }

  /** unix_find_other: the socket bound to addr (ENOENT, ECONNREFUSED, EPROTOTYPE as Linux). */
  private findOther(t: Task, addr: Buffer): UnixSocket {
    const tab = tableOf(this.kernel);
    if (addr[SUN_PATH_OFF] === 0) {
      const s = tab.abstract.get(abstractKey(this.type, addr));
      if (!s || s.dead) throw new Errno(E.ECONNREFUSED);
      return s;
    }
    const loc = this.kernel.namei.resolve(t, AT_FDCWD, bsdPath(addr), { follow: true });
    inodePermission(t.cred, loc.inode, MAY.WRITE);
    const st = loc.inode.getattr();
    if ((st.mode & S_IFMT) !== S_IFSOCK) throw new Errno(E.ECONNREFUSED);
    const s = tab.bsd.get(`${loc.inode.sb.dev}:${st.ino}`);
    if (!s || s.dead) throw new Errno(E.ECONNREFUSED);
    if (s.type !== this.type) throw new Errno(E.EPROTOTYPE);
    return s;
  }

  override getname(peer: boolean): Buffer {
    const s = peer ? this.peer : this;
    if (!s) throw new Errno(E.ENOTCONN);
    return s.addr ? Buffer.from(s.addr) : unnamed();
  }

  // ---- connections ----

  override listen(_t: Task, backlog: number): void {
    if (!this.connectionBased) throw new Errno(E.EOPNOTSUPP);
    if (!this.addr) throw new Errno(E.EINVAL);
    if (this.state !== 'close' && this.state !== 'listen') throw new Errno(E.EINVAL);
    if (backlog > this.backlog) this.peerWait.wake();
    this.backlog = backlog;
    this.state = 'listen';
    this.peercred = peerCredOf(_t);   // connect copies the listener's credentials
  }

  override async connect(t: Task, addr: Buffer, nonblock: boolean): Promise<void> {
    if (this.type === SOCK.DGRAM) { this.dgramConnect(t, addr); return; }
    validateAddr(addr);
    if (this.passcred && !this.addr) this.autobind();
    const deadline = nonblock ? 0 : this.deadline(true);
    for (;;) {
      const other = this.findOther(t, addr);
      if (other.state !== 'listen' || (other.shutdownMask & RCV_SHUTDOWN)) throw new Errno(E.ECONNREFUSED);
      if (other.embryos.length > other.backlog) {
        if (deadline === 0) throw new Errno(E.EAGAIN);
        await this.sleep(t, [other.peerWait], deadline);
        continue;
      }
      if (this.state !== 'close') throw new Errno(this.state === 'established' ? E.EISCONN : E.EINVAL);
      // The server's end exists from now on, queued on the listener until accepted.
      const newsk = new UnixSocket(this.kernel, this.type, O.RDWR, { uid: other.st.uid, gid: other.st.gid });
      newsk.peer = this;
      newsk.state = 'established';
      newsk.peercred = peerCredOf(t);
      newsk.addr = other.addr;
      newsk.passcred = other.passcred;
      this.peercred = other.peercred;
      this.state = 'established';
      this.peer = newsk;
      other.embryos.push(newsk);
      other.waitq.wake();
      return;
    }
  }

  private dgramConnect(t: Task, addr: Buffer): void {
    if (addr.length < 2) throw new Errno(E.EINVAL);
    let other: UnixSocket | null = null;
    if (addr.readUInt16LE(0) !== AF.UNSPEC) {
      validateAddr(addr);
      if (this.passcred && !this.addr) this.autobind();
      other = this.findOther(t, addr);
      if (!(other.peer === null || other.peer === this)) throw new Errno(E.EPERM);
      this.state = 'established';
      other.state = 'established';
    }
    const old = this.peer;
    this.setPeer(other);
    if (!other) this.state = 'close';
    if (old && old !== other) {
      this.waitq.wake();
      this.dgramDisconnected(old);
      if (!old.peer) old.state = 'close';
    }
  }

  private setPeer(p: UnixSocket | null): void {
    this.peer?.clients.delete(this);
    this.peer = p;
    p?.clients.add(this);
  }

  /** unix_dgram_disconnected: messages from the old peer are dropped; it learns of it if it was connected back. */
  private dgramDisconnected(other: UnixSocket): void {
    if (this.queue.length === 0) return;
    this.purge();
    this.peerWait.wake();
    if (!other.dead && other.peer === this) { other.err = E.ECONNRESET; other.waitq.wake(); }
  }

  override async accept(t: Task, nonblock: boolean): Promise<Socket> {
    if (!this.connectionBased) throw new Errno(E.EOPNOTSUPP);
    if (this.state !== 'listen') throw new Errno(E.EINVAL);
    const deadline = nonblock ? 0 : this.deadline(false);
    for (;;) {
      const err = this.takeError();
      if (err) throw new Errno(err);
      const newsk = this.embryos.shift();
      if (newsk) {
        this.peerWait.wake();
        newsk.passcred = this.passcred;
        return newsk;
      }
      if (this.shutdownMask & RCV_SHUTDOWN) throw new Errno(E.EINVAL);
      if (deadline === 0) throw new Errno(E.EAGAIN);
      await this.sleep(t, [this.waitq], deadline);
    }
  }

  override shutdown(how: number): void {
    if (how < 0 || how > 2) throw new Errno(E.EINVAL);
    const mode = how + 1;
    this.shutdownMask |= mode;
    this.wakeAll();
    const other = this.peer;
    if (other && this.connectionBased) {
      let peerMode = 0;
      if (mode & RCV_SHUTDOWN) peerMode |= SEND_SHUTDOWN;
      if (mode & SEND_SHUTDOWN) peerMode |= RCV_SHUTDOWN;
      other.shutdownMask |= peerMode;
      other.wakeAll();
    }
  }

  protected override release(): void { this.releaseSock(false); }

  /** unix_release_sock; embryo: a connection that was never accepted. */
  private releaseSock(embryo: boolean): void {
    const tab = tableOf(this.kernel);
    if (this.bsdKey && tab.bsd.get(this.bsdKey) === this) tab.bsd.delete(this.bsdKey);
    if (this.absKey) tab.abstract.delete(this.absKey);
    tab.all.delete(this);
    this.dead = true;
    this.shutdownMask = SHUTDOWN_MASK;
    const wasListening = this.state === 'listen';
    this.state = 'close';
    const skpair = this.peer;
    this.setPeer(null);
    this.peerWait.wake();
    if (skpair) {
      if (this.connectionBased) {
        skpair.shutdownMask = SHUTDOWN_MASK;
        if (this.queue.length || embryo) skpair.err = E.ECONNRESET;
        skpair.wakeAll();
      }
    }
    // Datagram clients find us dead on their next send; wake their pollers now.
    for (const c of this.clients) c.waitq.wake();
    this.purge();
    if (wasListening) for (const e of this.embryos.splice(0)) e.releaseSock(true);
    this.waitq.wake();
  }

  /** Drops the receive queue (passed files are put, senders get their buffer space back). */
  private purge(): void {
    for (const skb of this.queue.splice(0)) this.freeSkb(skb);
  }

  private freeSkb(skb: Skb): void {
    putFiles(skb.rights);
    skb.rights = null;
    const s = skb.from;
    s.wmem -= skb.truesize;
    // unix_write_space: the sender may write again.
    if ((s.wmem << 2) <= s.sndbuf) s.waitq.wake();
  }

  /** Appends to this (receiving) socket's queue and wakes readers. */
  private enqueue(skb: Skb): void {
    skb.from.wmem += skb.truesize;
    this.queue.push(skb);
    this.waitq.wake();
  }

  // ---- sending ----

  /** The message's files stay the caller's; a buffer that carries them takes its own references. */
  override sendmsg(t: Task, msg: SendMsg): Promise<number> {
    if (this.type === SOCK.STREAM) return this.streamSend(t, msg);
    if (this.type === SOCK.SEQPACKET) {
      const err = this.takeError();
      if (err) return Promise.reject(new Errno(err));
      if (this.state !== 'established') return Promise.reject(new Errno(E.ENOTCONN));
      return this.dgramSend(t, { ...msg, name: null });
    }
    return this.dgramSend(t, msg);
  }

  private async allocWait(t: Task, flags: number, deadline: number | null, sent: number): Promise<boolean> {
    // sock_alloc_send_pskb: wait until the send buffer has room.
    while (this.wmem >= this.sndbuf) {
      const err = this.takeError();
      if (err) throw new Errno(err);
      if (this.shutdownMask & SEND_SHUTDOWN) throw new Errno(E.EPIPE);
      if (flags & MSG.DONTWAIT) { if (sent) return false; throw new Errno(E.EAGAIN); }
      try {
        await this.sleep(t, [this.waitq], deadline);
      } catch (e) {
        if (sent) return false;
        throw e;
      }
    }
    return true;
  }

  private skb(t: Task, data: Buffer, msg: SendMsg, withRights: boolean): Skb {
    const rights = withRights && msg.rights ? msg.rights.map((f) => f.get()) : null;
    return { data, consumed: 0, from: this, cred: msg.creds ?? ucredOf(t), rights, truesize: truesize(data.length) };
  }

  private async streamSend(t: Task, msg: SendMsg): Promise<number> {
    if (msg.flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    if (msg.name) throw new Errno(this.state === 'established' ? E.EISCONN : E.EOPNOTSUPP);
    const other = this.peer;
    if (!other) throw new Errno(E.ENOTCONN);
    if (this.shutdownMask & SEND_SHUTDOWN) { this.sigpipe(t, msg.flags); throw new Errno(E.EPIPE); }
    const len = msg.data.length;
    const deadline = this.deadline(true);
    let sent = 0;
    while (sent < len) {
      const size = Math.min(len - sent, (this.sndbuf >> 1) - 64, 32768 + 3776);
      if (!(await this.allocWait(t, msg.flags, deadline, sent))) break;
      if (other.dead || (other.shutdownMask & RCV_SHUTDOWN)) {
        if (!sent) this.sigpipe(t, msg.flags);
        if (sent) break;
        throw new Errno(E.EPIPE);
      }
      other.enqueue(this.skb(t, msg.data.subarray(sent, sent + size), msg, sent === 0));
      sent += size;
    }
    return sent;
  }

  private async dgramSend(t: Task, msg: SendMsg): Promise<number> {
    if (msg.flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    const name = msg.name && msg.name.length ? msg.name : null;
    let other: UnixSocket | null = null;
    if (name) validateAddr(name);
    else {
      other = this.peer;
      if (!other) throw new Errno(E.ENOTCONN);
    }
    if (this.passcred && !this.addr) this.autobind();
    const len = msg.data.length;
    if (len > this.sndbuf - 32) throw new Errno(E.EMSGSIZE);
    const deadline = msg.flags & MSG.DONTWAIT ? 0 : this.deadline(true);
    await this.allocWait(t, msg.flags, deadline, 0);
    for (;;) {
      if (!other) {
        if (!name) throw new Errno(E.ECONNRESET);
        other = this.findOther(t, name);
      }
      if (!(other.peer === null || other.peer === this)) throw new Errno(E.EPERM);
      if (other.dead) {
        if (this.type === SOCK.SEQPACKET) throw new Errno(E.EPIPE);
        if (this.peer === other) {
          this.setPeer(null);
          this.state = 'close';
          this.dgramDisconnected(other);
          throw new Errno(E.ECONNREFUSED);
        }
        other = null;
        continue;
      }
      if (other.shutdownMask & RCV_SHUTDOWN) throw new Errno(E.EPIPE);
      if (other !== this && other.peer !== this && other.queue.length > other.backlog) {
        if (deadline === 0) throw new Errno(E.EAGAIN);
        await this.sleep(t, [other.peerWait], deadline);
        if (name) other = null;
        continue;
      }
      other.enqueue(this.skb(t, Buffer.from(msg.data), msg, true));
      return len;
    }
  }

  // ---- receiving ----

  override recvmsg(t: Task, len: number, flags: number): Promise<RecvMsg> {
    if (this.type === SOCK.STREAM) return this.streamRecv(t, len, flags);
    if (this.type === SOCK.SEQPACKET && this.state !== 'established') return Promise.reject(new Errno(E.ENOTCONN));
    return this.dgramRecv(t, len, flags);
  }

  private async streamRecv(t: Task, len: number, flags: number): Promise<RecvMsg> {
    if (this.state !== 'established') throw new Errno(E.EINVAL);
    if (flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    const target = flags & MSG.WAITALL ? len : Math.min(Math.max(this.rcvlowat, 1), len);
    const deadline = flags & MSG.DONTWAIT ? 0 : this.deadline(false);
    const peek = (flags & MSG.PEEK) !== 0;
    const out: Buffer[] = [];
    let copied = 0, size = len;
    let creds: Ucred | null = null;
    let rights: File[] | null = null;
    let name: Buffer | null = null;
    let nameTaken = false;
    for (;;) {
      let idx = 0;
      if (this.queue.length === 0) {
        if (copied >= target) break;
        const err = this.takeError();
        if (err) { if (copied) { this.err = err; break; } throw new Errno(err); }
        if (this.shutdownMask & RCV_SHUTDOWN) break;
        if (deadline === 0) { if (copied) break; throw new Errno(E.EAGAIN); }
        try {
          await this.sleep(t, [this.waitq], deadline);
        } catch (e) {
          if (copied) break;
          throw e;
        }
        continue;
      }
      let stop = false;
      while (idx < this.queue.length && size > 0) {
        const skb = this.queue[idx];
        if (creds) { if (!credEq(skb.cred, creds)) { stop = true; break; } }
        else if (this.passcred) creds = skb.cred;
        if (!nameTaken) { name = skb.from.addr; nameTaken = true; }
        const avail = skb.data.length - skb.consumed;
        const chunk = Math.min(avail, size);
        out.push(skb.data.subarray(skb.consumed, skb.consumed + chunk));
        copied += chunk;
        size -= chunk;
        if (!peek) {
          skb.consumed += chunk;
          if (skb.rights) { rights = skb.rights; skb.rights = null; }
          if (skb.consumed < skb.data.length) { stop = true; break; }
          this.queue.shift();
          this.freeSkb(skb);
          if (rights) { stop = true; break; }
        } else {
          if (skb.rights) { rights = skb.rights.map((f) => f.get()); stop = true; break; }
          idx++;
          if (idx >= this.queue.length) { stop = true; break; }
        }
      }
      if (stop || size === 0) break;
    }
    return recvResult(Buffer.concat(out, copied), { name, rights, creds: this.passcred ? creds : null });
  }

  private async dgramRecv(t: Task, len: number, flags: number): Promise<RecvMsg> {
    if (flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    const deadline = flags & MSG.DONTWAIT ? 0 : this.deadline(false);
    let skb: Skb | undefined;
    for (;;) {
      const err = this.takeError();
      if (err) throw new Errno(err);
      skb = this.queue[0];
      if (skb) break;
      if (deadline === 0) {
        // EOF on a disconnected non-blocking SEQPACKET socket.
        if (this.type === SOCK.SEQPACKET && (this.shutdownMask & RCV_SHUTDOWN)) return recvResult(Buffer.alloc(0));
        throw new Errno(E.EAGAIN);
      }
      if (this.shutdownMask & RCV_SHUTDOWN) return recvResult(Buffer.alloc(0));
      if (this.connectionBased && this.state !== 'established' && this.state !== 'listen') throw new Errno(E.ENOTCONN);
      await this.sleep(t, [this.waitq], deadline);
    }
    this.peerWait.wake();
    const real = skb.data.length;
    const n = Math.min(len, real);
    let rights: File[] | null = null;
    if (flags & MSG.PEEK) {
      if (skb.rights) rights = skb.rights.map((f) => f.get());
    } else {
      rights = skb.rights;
      skb.rights = null;
      this.queue.shift();
      this.freeSkb(skb);
      for (const c of this.clients) c.waitq.wake();
    }
    return recvResult(skb.data.subarray(0, n), {
      result: flags & MSG.TRUNC ? real : n,
      name: skb.from.addr,
      rights,
      creds: this.passcred ? skb.cred : null,
      flags: n < real ? MSG.TRUNC : 0,
    });
  }

  // ---- readiness and ioctls ----

  override poll(): number {
    let mask = 0;
    if (this.err) mask |= POLL.ERR;
    if (this.shutdownMask === SHUTDOWN_MASK) mask |= POLL.HUP;
    if (this.shutdownMask & RCV_SHUTDOWN) mask |= POLL.RDHUP | POLL.IN | POLL.RDNORM;
    if (this.queue.length || this.embryos.length) mask |= POLL.IN | POLL.RDNORM;
    if (this.connectionBased && this.state === 'close') mask |= POLL.HUP;
    let writable = this.state !== 'listen' && (this.wmem << 2) <= this.sndbuf;
    if (writable && this.type !== SOCK.STREAM) {
      const other = this.peer;
      if (other && other.peer !== this && other.queue.length > other.backlog && !other.dead) writable = false;
    }
    if (writable) mask |= POLL.OUT | POLL.WRNORM | POLL.WRBAND;
    return mask;
  }

  override ioctl(t: Task, cmd: number, arg: bigint): MaybeAsync<number> {
    switch (cmd) {
      case 0x5411: // SIOCOUTQ
        t.mem.writeI32(arg, this.wmem);
        return 0;
      case 0x541b: { // SIOCINQ (FIONREAD)
        if (this.state === 'listen') throw new Errno(E.EINVAL);
        let n = 0;
        if (this.type === SOCK.DGRAM) n = this.queue[0]?.data.length ?? 0;
        else for (const s of this.queue) n += s.data.length - s.consumed;
        t.mem.writeI32(arg, n);
        return 0;
      }
    }
    return super.ioctl(t, cmd, arg);
  }
}

/** The text of /proc/net/unix (unix_seq_show); kernel addresses show as zeros, as to a reader without kptr access. */
export function procNetUnix(k: Kernel): string {
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
  const lines = ['Num       RefCount Protocol Flags    Type St Inode Path'];
  for (const s of tableOf(k).all) {
    const st = s.state === 'listen' ? 1 : s.state === 'established' ? 3 : 1;   // SS_UNCONNECTED / SS_CONNECTED
    let line = `0000000000000000: ${hex(2, 8)} ${hex(0, 8)} ${hex(s.state === 'listen' ? 0x10000 : 0, 8)} ${hex(s.type, 4)} ${hex(st, 2)} ${s.ino}`;
    if (s.addr) {
      const name = s.addr.subarray(SUN_PATH_OFF);
      line += ' ' + (name[0] === 0 ? '@' + name.subarray(1).toString('latin1').replace(/\0/g, '@') : bsdPath(s.addr));
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

sockRegister({
  family: AF.UNIX,
  create(t, type, protocol, flags) {
    if (protocol && protocol !== AF.UNIX) throw new Errno(E.EPROTONOSUPPORT);
    if (type === SOCK.RAW) type = SOCK.DGRAM;   // BSD has AF_UNIX SOCK_RAW; Linux makes it a datagram socket
    if (type !== SOCK.STREAM && type !== SOCK.DGRAM && type !== SOCK.SEQPACKET) throw new Errno(E.ESOCKTNOSUPPORT);
    return new UnixSocket(t.kernel, type, flags, { uid: t.cred.fsuid, gid: t.cred.fsgid });
  },
  socketpair(t, a, b) {
    const x = a as UnixSocket, y = b as UnixSocket;
    x.peer = y; y.peer = x;
    x.clients.add(y); y.clients.add(x);
    x.peercred = peerCredOf(t);
    y.peercred = peerCredOf(t);
    x.state = y.state = 'established';
  },
});
