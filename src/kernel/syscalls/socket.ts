// The socket system calls (net/socket.c, net/core/scm.c): socket, socketpair,
// bind, listen, accept, connect, the names, send and receive in all their
// forms with their ancillary data, shutdown and the options. The protocol
// work is the family's (src/net/*); here are the ABI's structures: sockaddr
// lengths, struct msghdr, control messages and the fds they carry.
import { Errno, E } from '../../host/errno.js';
import type { File } from '../../fs/file.js';
import { O } from '../../fs/file.js';
import {
  MSG, PeerGroupsRange, putFiles, SCM, SOCK, Socket, sockFamily, SOL_SOCKET, SYSCTL, AF, type RecvMsg, type Ucred,
} from '../../net/socket.js';
import '../../net/unix/af_unix.js';
import '../../net/ipv4/af_inet.js';
import '../../net/netlink/af_netlink.js';
import { CAP } from '../cred.js';
import type { Task } from '../task.js';
import { int, register, size, uint } from './table.js';

const SOCKADDR_STORAGE = 128;
const SCM_MAX_FD = 253;
const UIO_MAXIOV = 1024;
const CMSG_HDR = 16;
const cmsgAlign = (n: number) => (n + 7) & ~7;
const cmsgLen = (n: number) => CMSG_HDR + n;
const cmsgSpace = (n: number) => CMSG_HDR + cmsgAlign(n);

function sockOf(t: Task, fd: number): Socket {
  const f = t.files.get(fd);
  if (!(f instanceof Socket)) throw new Errno(E.ENOTSOCK);
  return f;
}

/** move_addr_to_kernel */
function addrIn(t: Task, addr: bigint, len: number): Buffer {
  if (len < 0 || len > SOCKADDR_STORAGE) throw new Errno(E.EINVAL);
  if (len === 0) return Buffer.alloc(0);
  return t.mem.read(addr, len);
}

/** move_addr_to_user: copies what fits and reports the full length. */
function addrOut(t: Task, kaddr: Buffer | null, addr: bigint, lenAddr: bigint): void {
  const klen = kaddr?.length ?? 0;
  let len = t.mem.readI32(lenAddr);
  if (len > klen) len = klen;
  if (len < 0) throw new Errno(E.EINVAL);
  if (len && kaddr) t.mem.write(addr, kaddr.subarray(0, len));
  t.mem.writeI32(lenAddr, klen);
}

/** Splits socket(2)'s type argument into the type and SOCK_NONBLOCK/SOCK_CLOEXEC. */
function typeFlags(type: number): { type: number; flags: number; cloexec: boolean } {
  const flags = type & ~SOCK.TYPE_MASK;
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) throw new Errno(E.EINVAL);
  return { type: type & SOCK.TYPE_MASK, flags: O.RDWR | (flags & O.NONBLOCK), cloexec: (flags & O.CLOEXEC) !== 0 };
}

/** __sock_create: the family's socket of the type. */
function sockCreate(t: Task, family: number, type: number, protocol: number, flags: number): Socket {
  if (family < 0 || family >= AF.MAX) throw new Errno(E.EAFNOSUPPORT);
  if (type < 0 || type >= SOCK.MAX) throw new Errno(E.EINVAL);
  if (family === AF.INET && type === SOCK.PACKET) family = AF.PACKET;
  const fam = sockFamily(family);
  if (!fam) throw new Errno(E.EAFNOSUPPORT);
  return fam.create(t, type, protocol, flags);
}

register('socket', (_k, t, a) => {
  const { type, flags, cloexec } = typeFlags(int(a[1]));
  const s = sockCreate(t, int(a[0]), type, int(a[2]), flags);
  return t.files.install(s, cloexec, t.group.rlimits.nofile());
});

register('socketpair', (_k, t, a) => {
  const family = int(a[0]);
  const { type, flags, cloexec } = typeFlags(int(a[1]));
  const x = sockCreate(t, family, type, int(a[2]), flags);
  let y: Socket;
  try { y = sockCreate(t, family, type, int(a[2]), flags); } catch (e) { x.put(); throw e; }
  const pair = sockFamily(x.family)?.socketpair;
  if (!pair) { x.put(); y.put(); throw new Errno(E.EOPNOTSUPP); }
  pair(t, x, y);
  const lim = t.group.rlimits.nofile();
  let fd1: number;
  try { fd1 = t.files.install(x, cloexec, lim); } catch (e) { y.put(); throw e; }
  let fd2: number;
  try { fd2 = t.files.install(y, cloexec, lim); } catch (e) { t.files.close(fd1); throw e; }
  const b = Buffer.alloc(8);
  b.writeInt32LE(fd1, 0); b.writeInt32LE(fd2, 4);
  try { t.mem.write(a[3], b); } catch (e) { t.files.close(fd1); t.files.close(fd2); throw e; }
  return 0;
});

register('bind', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  await s.bind(t, addrIn(t, a[1], int(a[2])));
  return 0;
});

register('listen', (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  let backlog = uint(a[1]);
  if (backlog > SYSCTL.somaxconn) backlog = SYSCTL.somaxconn;
  s.listen(t, backlog);
  return 0;
});

register('connect', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  const addr = addrIn(t, a[1], int(a[2]));
  await s.connect(t, addr, s.nonblock);
  return 0;
});

async function accept4(t: Task, fd: number, addr: bigint, lenAddr: bigint, flags: number): Promise<number> {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) throw new Errno(E.EINVAL);
  const s = sockOf(t, fd);
  const ns = await s.accept(t, s.nonblock);
  ns.flags = O.RDWR | (flags & O.NONBLOCK);
  ns.st.uid = t.cred.fsuid;
  ns.st.gid = t.cred.fsgid;
  if (addr !== 0n) {
    try { addrOut(t, ns.getname(true), addr, lenAddr); } catch (e) { ns.put(); throw e; }
  }
  return t.files.install(ns, (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
}
register('accept', (_k, t, a) => accept4(t, int(a[0]), a[1], a[2], 0));
register('accept4', (_k, t, a) => accept4(t, int(a[0]), a[1], a[2], int(a[3])));

register('getsockname', (_k, t, a) => { addrOut(t, sockOf(t, int(a[0])).getname(false), a[1], a[2]); return 0; });
register('getpeername', (_k, t, a) => { addrOut(t, sockOf(t, int(a[0])).getname(true), a[1], a[2]); return 0; });

register('shutdown', (_k, t, a) => { sockOf(t, int(a[0])).shutdown(int(a[1])); return 0; });

// ---- options ----

register('setsockopt', (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  const len = int(a[4]);
  if (len < 0) throw new Errno(E.EINVAL);
  const val = len ? t.mem.read(a[3], Math.min(len, 4096)) : Buffer.alloc(0);
  s.setsockopt(t, int(a[1]), int(a[2]), val);
  return 0;
});

register('getsockopt', (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  const len = t.mem.readI32(a[4]);
  if (len < 0) throw new Errno(E.EINVAL);
  let v: Buffer;
  try {
    v = s.getsockopt(t, int(a[1]), int(a[2]), len);
  } catch (e) {
    if (e instanceof PeerGroupsRange) t.mem.writeI32(a[4], e.needed);
    throw e;
  }
  const n = Math.min(len, v.length);
  if (n) t.mem.write(a[3], v.subarray(0, n));
  t.mem.writeI32(a[4], n);
  return 0;
});

// ---- sending and receiving ----

interface Iov { base: bigint; len: number }
interface MsgHdr {
  name: bigint; namelen: number; iov: Iov[]; control: bigint; controllen: number; flags: number;
}

function readIovecs(t: Task, addr: bigint, count: bigint): Iov[] {
  if (count > BigInt(UIO_MAXIOV)) throw new Errno(E.EMSGSIZE);
  return t.mem.readIovec(addr, Number(count));
}

/** copy_msghdr_from_user */
function readMsgHdr(t: Task, addr: bigint): MsgHdr {
  const b = t.mem.read(addr, 56);
  let namelen = b.readInt32LE(8);
  const name = b.readBigUInt64LE(0);
  if (namelen < 0) throw new Errno(E.EINVAL);
  if (namelen > SOCKADDR_STORAGE) namelen = SOCKADDR_STORAGE;
  if (name === 0n) namelen = 0;
  const controllen = b.readBigUInt64LE(40);
  if (controllen > 0x7fffffffn) throw new Errno(E.ENOBUFS);
  return {
    name, namelen, iov: readIovecs(t, b.readBigUInt64LE(16), b.readBigUInt64LE(24)),
    control: b.readBigUInt64LE(32), controllen: Number(controllen), flags: b.readInt32LE(48),
  };
}


/** scm_check_creds: a sender may claim only its own ids unless privileged. */
function checkCreds(t: Task, c: Ucred): void {
  const cr = t.cred;
  const pidOk = c.pid === t.pid || cr.capable(CAP.SYS_ADMIN);
  const uidOk = c.uid === cr.uid || c.uid === cr.euid || c.uid === cr.suid || cr.capable(CAP.SETUID);
  const gidOk = c.gid === cr.gid || c.gid === cr.egid || c.gid === cr.sgid || cr.capable(CAP.SETGID);
  if (!(pidOk && uidOk && gidOk)) throw new Errno(E.EPERM);
}

/** __scm_send: the SOL_SOCKET control messages (files get a reference each). */
function scmSend(t: Task, control: Buffer): { rights: File[] | null; creds: Ucred | null } {
  let rights: File[] | null = null;
  let creds: Ucred | null = null;
  try {
    for (let off = 0; off + CMSG_HDR <= control.length;) {
      const len = Number(control.readBigUInt64LE(off));
      if (len < CMSG_HDR || len > control.length - off) throw new Errno(E.EINVAL);
      const level = control.readInt32LE(off + 8), type = control.readInt32LE(off + 12);
      const data = control.subarray(off + CMSG_HDR, off + len);
      if (level === SOL_SOCKET) {
        if (type === SCM.RIGHTS) {
          const num = data.length >> 2;
          if (num > 0) {
            rights ??= [];
            if (rights.length + num > SCM_MAX_FD) throw new Errno(E.EINVAL);
            for (let i = 0; i < num; i++) rights.push(t.files.get(data.readInt32LE(i * 4)).get());
          }
        } else if (type === SCM.CREDENTIALS) {
          if (len !== cmsgLen(12)) throw new Errno(E.EINVAL);
          const c = { pid: data.readInt32LE(0), uid: data.readUInt32LE(4), gid: data.readUInt32LE(8) };
          checkCreds(t, c);
          if (!t.kernel.tasks.has(c.pid) && !t.kernel.groups.has(c.pid)) throw new Errno(E.ESRCH);
          creds = c;
        } else throw new Errno(E.EINVAL);
      }
      off += cmsgAlign(len);
    }
  } catch (e) {
    putFiles(rights);
    throw e;
  }
  return { rights, creds };
}

async function sendmsgOne(t: Task, s: Socket, hdr: MsgHdr, flags: number): Promise<number> {
  if (s.nonblock) flags |= MSG.DONTWAIT;
  const name = hdr.namelen ? addrIn(t, hdr.name, hdr.namelen) : null;
  const control = hdr.controllen >= CMSG_HDR ? t.mem.read(hdr.control, hdr.controllen) : Buffer.alloc(0);
  const data = t.mem.gather(hdr.iov);
  const { rights, creds } = scmSend(t, control);
  try {
    return await s.sendmsg(t, { data, name, rights, creds, flags });
  } finally {
    putFiles(rights);   // a queued message holds references of its own
  }
}

register('sendto', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  const len = size(a[2]);
  let flags = int(a[3]);
  const name = a[4] !== 0n ? addrIn(t, a[4], int(a[5])) : null;
  if (s.nonblock) flags |= MSG.DONTWAIT;
  const data = len ? t.mem.read(a[1], len) : Buffer.alloc(0);
  return s.sendmsg(t, { data, name: name && name.length ? name : null, rights: null, creds: null, flags });
});

register('sendmsg', (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  return sendmsgOne(t, s, readMsgHdr(t, a[1]), int(a[2]));
});

register('sendmmsg', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  let vlen = uint(a[2]);
  if (vlen > UIO_MAXIOV) vlen = UIO_MAXIOV;
  let sent = 0;
  for (; sent < vlen; sent++) {
    const at = a[1] + BigInt(sent * 64);
    try {
      const n = await sendmsgOne(t, s, readMsgHdr(t, at), int(a[3]));
      t.mem.writeU32(at + 56n, n);
    } catch (e) {
      if (sent) return sent;   // an error after some messages is not reported
      throw e;
    }
  }
  return sent;
});

/** The receive side of control messages (put_cmsg, scm_detach_fds). */
class CmsgWriter {
  used = 0;
  flags = 0;
  private readonly buf: Buffer;
  constructor(readonly addr: bigint, readonly cap: number) { this.buf = Buffer.alloc(Math.min(cap, 1 << 16)); }

  get left(): number { return this.buf.length - this.used; }

  put(level: number, type: number, data: Buffer): void {
    if (this.addr === 0n || this.left < CMSG_HDR) { this.flags |= MSG.CTRUNC; return; }
    let cmlen = cmsgLen(data.length);
    if (this.left < cmlen) { this.flags |= MSG.CTRUNC; cmlen = this.left; }
    this.header(cmsgLen(data.length), level, type);
    data.copy(this.buf, this.used + CMSG_HDR, 0, cmlen - CMSG_HDR);
    this.used += Math.min(cmsgSpace(data.length), this.left);
  }

  private header(len: number, level: number, type: number): void {
    this.buf.writeBigUInt64LE(BigInt(len), this.used);
    this.buf.writeInt32LE(level, this.used + 8);
    this.buf.writeInt32LE(type, this.used + 12);
  }

  /** Installs as many received files as fit; the rest are closed and MSG_CTRUNC set. */
  rights(t: Task, files: File[], cloexec: boolean): void {
    const fdmax = this.addr !== 0n && this.left > CMSG_HDR ? Math.floor((this.left - CMSG_HDR) / 4) : 0;
    const fds: number[] = [];
    let i = 0;
    for (; i < Math.min(fdmax, files.length); i++) {
      try { fds.push(t.files.install(files[i], cloexec, t.group.rlimits.nofile())); } catch { i++; break; }
    }
    for (let j = i; j < files.length; j++) files[j].put();
    if (fds.length) {
      const data = Buffer.alloc(fds.length * 4);
      fds.forEach((fd, k) => data.writeInt32LE(fd, k * 4));
      const cmlen = Math.min(cmsgLen(data.length), this.left);
      this.header(cmsgLen(data.length), SOL_SOCKET, SCM.RIGHTS);
      data.copy(this.buf, this.used + CMSG_HDR, 0, cmlen - CMSG_HDR);
      this.used += Math.min(cmsgSpace(data.length), this.left);
    }
    if (fds.length < files.length || (files.length && fdmax <= 0)) this.flags |= MSG.CTRUNC;
  }

  flush(t: Task): void { if (this.used) t.mem.write(this.addr, this.buf.subarray(0, this.used)); }
}

/** scm_recv: SCM_CREDENTIALS then SCM_RIGHTS, as far as the control buffer allows. */
function scmRecv(t: Task, s: Socket, r: RecvMsg, w: CmsgWriter, flags: number): void {
  if (w.addr === 0n) {
    if (s.passcred || r.rights?.length) w.flags |= MSG.CTRUNC;
    putFiles(r.rights);
    return;
  }
  if (r.creds) {
    const c = Buffer.alloc(12);
    c.writeInt32LE(r.creds.pid, 0); c.writeUInt32LE(r.creds.uid >>> 0, 4); c.writeUInt32LE(r.creds.gid >>> 0, 8);
    w.put(SOL_SOCKET, SCM.CREDENTIALS, c);
  }
  if (r.rights?.length) w.rights(t, r.rights, (flags & MSG.CMSG_CLOEXEC) !== 0);
  else putFiles(r.rights);
}

async function recvmsgOne(t: Task, s: Socket, addr: bigint, flags: number): Promise<number> {
  const hdr = readMsgHdr(t, addr);
  const total = hdr.iov.reduce((n, v) => n + v.len, 0);
  const outFlags = flags & MSG.CMSG_CLOEXEC;
  if (s.nonblock) flags |= MSG.DONTWAIT;
  const r = await s.recvmsg(t, total, flags);
  t.mem.scatter(hdr.iov, r.data);
  const w = new CmsgWriter(hdr.controllen ? hdr.control : 0n, hdr.controllen);
  scmRecv(t, s, r, w, flags);
  w.flush(t);
  if (hdr.name !== 0n) addrOut(t, r.name, hdr.name, addr + 8n);
  else t.mem.writeI32(addr + 8n, 0);
  t.mem.writeU64(addr + 40n, BigInt(w.used));
  t.mem.writeI32(addr + 48n, r.flags | w.flags | outFlags);
  return r.result;
}

register('recvfrom', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  const len = size(a[2]);
  let flags = int(a[3]);
  if (s.nonblock) flags |= MSG.DONTWAIT;
  const r = await s.recvmsg(t, len, flags);
  putFiles(r.rights);
  if (r.data.length) t.mem.write(a[1], r.data);
  if (a[4] !== 0n) addrOut(t, r.name, a[4], a[5]);
  return r.result;
});

register('recvmsg', (_k, t, a) => recvmsgOne(t, sockOf(t, int(a[0])), a[1], int(a[2])));

register('recvmmsg', async (_k, t, a) => {
  const s = sockOf(t, int(a[0]));
  let vlen = uint(a[2]);
  if (vlen > UIO_MAXIOV) vlen = UIO_MAXIOV;
  let flags = int(a[3]);
  let deadline: number | null = null;
  if (a[4] !== 0n) {
    const b = t.mem.read(a[4], 16);
    const sec = b.readBigInt64LE(0), ns = b.readBigInt64LE(8);
    if (sec < 0n || ns < 0n || ns > 999999999n) throw new Errno(E.EINVAL);
    deadline = Date.now() + Number(sec) * 1000 + Math.ceil(Number(ns) / 1e6);
  }
  let got = 0;
  for (; got < vlen; got++) {
    const at = a[1] + BigInt(got * 64);
    try {
      const n = await recvmsgOne(t, s, at, flags);
      t.mem.writeU32(at + 56n, n);
    } catch (e) {
      if (!got) throw e;
      if (e instanceof Errno && e.errno !== E.EAGAIN) s.err = e.errno;   // reported by the next call
      break;
    }
    if (flags & MSG.WAITFORONE) flags |= MSG.DONTWAIT;
    if (deadline !== null && Date.now() >= deadline) { got++; break; }
  }
  return got;
});
