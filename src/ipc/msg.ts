// System V message queues (ipc/msg.c): typed messages queued in order,
// bounded by msg_qbytes; msgrcv takes the first message, the first of a
// type, the first of another type (MSG_EXCEPT), or the first of the lowest
// type up to a bound. Senders and receivers sleep on the queue until it can
// take or give what they want.
import { Errno, E } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';
import { sleepOn } from '../kernel/sched.js';
import { WaitQueue } from '../kernel/wait.js';
import { col, encodePerm, IPC, IpcIds, ipcPerms, newPerm, nowSecs, ownedObject, removeNow, setCmd, statCmd, type IpcObject } from './util.js';

/** Linux's defaults: MSGMAX, MSGMNB, MSGMNI, and the accounting constants msgctl reports. */
const MSGMAX = 8192, MSGMNB = 16384, MSGMNI = 32000, MSGPOOL = (MSGMNI * MSGMNB) / 1024, MSGTQL = MSGMNB, MSGMAP = MSGMNB, MSGSSZ = 16, MSGSEG = 0xffff;
export const MSG = { NOERROR: 0o10000, EXCEPT: 0o20000, COPY: 0o40000, STAT: 11, INFO: 12, STAT_ANY: 13 } as const;
const CAP_SYS_RESOURCE = 24;

interface Message { type: bigint; text: Buffer }
export interface MsgQueue extends IpcObject {
  readonly messages: Message[];
  bytes: number;
  qbytes: number;
  stime: bigint; rtime: bigint; ctime: bigint;
  lspid: number; lrpid: number;
  /** Senders and receivers wait here; every change wakes them. */
  readonly wait: WaitQueue;
}

const namespaces = new WeakMap<Kernel, IpcIds<MsgQueue>>();
export function msgIds(k: Kernel): IpcIds<MsgQueue> {
  let ids = namespaces.get(k);
  if (!ids) namespaces.set(k, (ids = new IpcIds<MsgQueue>(MSGMNI)));
  return ids;
}

export function msgget(t: Task, key: number, flg: number): number {
  const ids = msgIds(t.kernel);
  if (key !== IPC.PRIVATE) {
    const q = ids.byKey(key);
    if (q) {
      if ((flg & IPC.CREAT) && (flg & IPC.EXCL)) throw new Errno(E.EEXIST);
      if (!ipcPerms(t.cred, q.perm, flg)) throw new Errno(E.EACCES);
      return q.id;
    }
    if (!(flg & IPC.CREAT)) throw new Errno(E.ENOENT);
  }
  const now = nowSecs();
  return ids.add((id, seq) => ({
    id, perm: newPerm(t.cred, key, flg, seq), deleted: false, messages: [], bytes: 0, qbytes: MSGMNB,
    stime: 0n, rtime: 0n, ctime: now, lspid: 0, lrpid: 0, wait: new WaitQueue(),
  })).id;
}

/** Sleeps until the queue changes; EIDRM when it was removed meanwhile. */
async function waitOn(t: Task, q: MsgQueue): Promise<void> {
  await sleepOn(t, [q.wait]);
  if (q.deleted) throw new Errno(E.EIDRM);
}

export async function msgsnd(t: Task, id: number, msgp: bigint, size: number, flg: number): Promise<number> {
  if (size < 0 || size > MSGMAX) throw new Errno(E.EINVAL);
  const q = msgIds(t.kernel).byId(id);
  const type = t.mem.read(msgp, 8).readBigInt64LE(0);
  if (type < 1n) throw new Errno(E.EINVAL);
  const text = t.mem.read(msgp + 8n, size);
  if (!ipcPerms(t.cred, q.perm, 0o222)) throw new Errno(E.EACCES);
  // msg_fits_inqueue: the bytes and the number of messages both count against msg_qbytes.
  while (q.bytes + size > q.qbytes || q.messages.length + 1 > q.qbytes) {
    if (flg & IPC.NOWAIT) throw new Errno(E.EAGAIN);
    await waitOn(t, q);
  }
  q.messages.push({ type, text });
  q.bytes += size;
  q.lspid = t.group.pid;
  q.stime = nowSecs();
  q.wait.wake();
  return 0;
}

/** find_msg: the index of the message msgrcv's type and mode select, or -1. */
function findMessage(q: MsgQueue, type: bigint, flg: number): number {
  if (type === 0n) return q.messages.length ? 0 : -1;
  if (type > 0n) return q.messages.findIndex((m) => (flg & MSG.EXCEPT) ? m.type !== type : m.type === type);
  let best = -1;
  q.messages.forEach((m, i) => { if (m.type <= -type && (best < 0 || m.type < q.messages[best].type)) best = i; });
  return best;
}

export async function msgrcv(t: Task, id: number, msgp: bigint, size: number, type: bigint, flg: number): Promise<number> {
  if (size < 0) throw new Errno(E.EINVAL);
  if (flg & MSG.COPY) throw new Errno(E.ENOSYS);   // as a kernel without CONFIG_CHECKPOINT_RESTORE
  const q = msgIds(t.kernel).byId(id);
  if (!ipcPerms(t.cred, q.perm, 0o444)) throw new Errno(E.EACCES);
  for (;;) {
    const i = findMessage(q, type, flg);
    if (i >= 0) {
      const m = q.messages[i];
      if (m.text.length > size && !(flg & MSG.NOERROR)) throw new Errno(E.E2BIG);
      q.messages.splice(i, 1);
      q.bytes -= m.text.length;
      q.lrpid = t.group.pid;
      q.rtime = nowSecs();
      q.wait.wake();
      const n = Math.min(size, m.text.length);
      const out = Buffer.alloc(8 + n);
      out.writeBigInt64LE(m.type, 0);
      m.text.copy(out, 8, 0, n);
      t.mem.write(msgp, out);
      return n;
    }
    if (flg & IPC.NOWAIT) throw new Errno(E.ENOMSG);
    await waitOn(t, q);
  }
}

/** struct msqid64_ds (120 bytes). */
function encodeMsqid(q: MsgQueue): Buffer {
  const b = Buffer.alloc(120);
  encodePerm(b, 0, q.perm);
  b.writeBigInt64LE(q.stime, 48);
  b.writeBigInt64LE(q.rtime, 56);
  b.writeBigInt64LE(q.ctime, 64);
  b.writeBigUInt64LE(BigInt(q.bytes), 72);
  b.writeBigUInt64LE(BigInt(q.messages.length), 80);
  b.writeBigUInt64LE(BigInt(q.qbytes), 88);
  b.writeInt32LE(q.lspid, 96);
  b.writeInt32LE(q.lrpid, 100);
  return b;
}

export function msgctl(t: Task, id: number, cmd: number, buf: bigint): number {
  const ids = msgIds(t.kernel);
  switch (cmd) {
    case IPC.INFO: case MSG.INFO: {
      // struct msginfo: msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql (ints), msgseg (unsigned short).
      const qs = ids.all();
      const b = Buffer.alloc(32);
      const info = cmd === MSG.INFO
        ? [qs.length, qs.reduce((n, q) => n + q.messages.length, 0), MSGMAX, MSGMNB, MSGMNI, MSGSSZ, qs.reduce((n, q) => n + q.bytes, 0)]
        : [MSGPOOL, MSGMAP, MSGMAX, MSGMNB, MSGMNI, MSGSSZ, MSGTQL];
      info.forEach((v, i) => b.writeInt32LE(v, i * 4));
      b.writeUInt16LE(MSGSEG, 28);
      t.mem.write(buf, b);
      return Math.max(ids.maxSlot(), 0);
    }
    case IPC.STAT: case MSG.STAT: case MSG.STAT_ANY:
      return statCmd(t, ids, id, cmd === IPC.STAT, cmd === MSG.STAT_ANY, buf, encodeMsqid);
    case IPC.SET: {
      const q = ownedObject(t, ids, id);
      const qbytes = Number(t.mem.read(buf, 120).readBigUInt64LE(88));
      if (qbytes > MSGMNB && !t.cred.capable(CAP_SYS_RESOURCE)) throw new Errno(E.EPERM);
      setCmd(t, q, buf, 120);
      q.qbytes = qbytes;
      q.wait.wake();   // senders may fit now
      return 0;
    }
    case IPC.RMID: removeNow(ids, ownedObject(t, ids, id)); return 0;
  }
  throw new Errno(E.EINVAL);
}

/** /proc/sysvipc/msg (sysvipc_msg_proc_show). */
export function showSysvipcMsg(k: Kernel): string {
  const n = col;
  let out = '       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n';
  for (const q of msgIds(k).sorted()) {
    const p = q.perm;
    out += `${n(p.key, 10)} ${n(q.id, 10)}  ${n(p.mode.toString(8), 4)}  ${n(q.bytes, 10)} ${n(q.messages.length, 10)} ${n(q.lspid, 5)} ${n(q.lrpid, 5)} ` +
      `${n(p.uid, 5)} ${n(p.gid, 5)} ${n(p.cuid, 5)} ${n(p.cgid, 5)} ${n(q.stime, 10)} ${n(q.rtime, 10)} ${n(q.ctime, 10)}\n`;
  }
  return out;
}
