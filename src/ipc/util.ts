// What the System V IPC objects share (ipc/util.c): a table of ids per IPC
// namespace, keys, struct ipc64_perm with its owner, creator and mode, and
// the permission check ipcperms() makes.
import { Errno, E } from '../host/errno.js';
import type { Cred } from '../kernel/cred.js';
import { CAP } from '../kernel/cred.js';
import type { Task } from '../kernel/task.js';
import type { WaitQueue } from '../kernel/wait.js';

export const IPC = { PRIVATE: 0, CREAT: 0o1000, EXCL: 0o2000, NOWAIT: 0o4000, RMID: 0, SET: 1, STAT: 2, INFO: 3 } as const;
/** IPC_64: the flag glibc adds to the command of shmctl and friends. */
export const IPC_64 = 0x100;
/** ipc_buildid: an id is the slot plus SEQ_MULTIPLIER times a sequence number. */
const SEQ_MULTIPLIER = 32768;
const CAP_IPC_OWNER = 15;

export interface IpcPerm { key: number; uid: number; gid: number; cuid: number; cgid: number; mode: number; seq: number }

export interface IpcObject { id: number; perm: IpcPerm; deleted: boolean }

/** One kind of object (segments, semaphore sets, queues) in one namespace. */
export class IpcIds<T extends IpcObject> {
  private readonly slots = new Map<number, T>();
  private seq = 0;
  constructor(readonly max: number) {}

  get size(): number { return this.slots.size; }
  all(): T[] { return [...this.slots.values()]; }
  /** The objects in slot order (as /proc/sysvipc lists them). */
  sorted(): T[] { return [...this.slots.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o); }
  /** The highest slot in use (IPC_INFO's and SHM_INFO's answer), -1 when none. */
  maxSlot(): number { return Math.max(-1, ...this.slots.keys()); }

  byKey(key: number): T | undefined {
    for (const o of this.slots.values()) if (o.perm.key === key && key !== IPC.PRIVATE && !o.deleted) return o;
    return undefined;
  }

  /** ipc_obtain_object_check: the object of an id, EINVAL if it is not one (any more). */
  byId(id: number): T {
    const o = id >= 0 ? this.slots.get(id % SEQ_MULTIPLIER) : undefined;
    if (!o || o.id !== id) throw new Errno(E.EINVAL);
    return o;
  }

  /** The object in a slot (SHM_STAT's argument), EINVAL if none. */
  bySlot(slot: number): T {
    const o = this.slots.get(slot);
    if (!o) throw new Errno(E.EINVAL);
    return o;
  }

  /** ipc_addid: a free slot and an id for make(id); ENOSPC at the limit. */
  add(make: (id: number, seq: number) => T): T {
    if (this.slots.size >= this.max) throw new Errno(E.ENOSPC);
    let slot = 0;
    while (this.slots.has(slot)) slot++;
    const seq = this.seq++ % 0x10000;
    const o = make(slot + seq * SEQ_MULTIPLIER, seq);
    this.slots.set(slot, o);
    return o;
  }

  remove(o: T): void {
    const slot = o.id % SEQ_MULTIPLIER;
    if (this.slots.get(slot) === o) this.slots.delete(slot);
  }
}

/** A new object's ipc_perm: the caller owns and created it, with flg's permission bits. */
export function newPerm(cred: Cred, key: number, flg: number, seq: number): IpcPerm {
  return { key, uid: cred.euid, gid: cred.egid, cuid: cred.euid, cgid: cred.egid, mode: flg & 0o777, seq };
}

/** ipcperms: the rwx bits of flag (read 4, write 2) granted to cred, else CAP_IPC_OWNER. */
export function ipcPerms(cred: Cred, p: IpcPerm, flag: number): boolean {
  const requested = (flag >> 6 | flag >> 3 | flag) & 0o7;
  let granted = p.mode;
  if (cred.euid === p.cuid || cred.euid === p.uid) granted >>= 6;
  else if (cred.inGroup(p.cgid) || cred.inGroup(p.gid)) granted >>= 3;
  if ((requested & ~granted & 0o7) === 0) return true;
  return cred.capable(CAP_IPC_OWNER);
}

/** IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN (ipcctl_obtain_check). */
export function checkOwner(cred: Cred, p: IpcPerm): void {
  if (cred.euid !== p.uid && cred.euid !== p.cuid && !cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
}

/** struct ipc64_perm (48 bytes on x86-64) at off. */
export function encodePerm(b: Buffer, off: number, p: IpcPerm): void {
  b.writeInt32LE(p.key, off);
  b.writeUInt32LE(p.uid, off + 4);
  b.writeUInt32LE(p.gid, off + 8);
  b.writeUInt32LE(p.cuid, off + 12);
  b.writeUInt32LE(p.cgid, off + 16);
  b.writeUInt32LE(p.mode, off + 20);
  b.writeUInt16LE(p.seq, off + 24);
}

/** IPC_SET: the new owner and the permission bits, from a struct ipc64_perm. */
export function setPerm(b: Buffer, off: number, p: IpcPerm): void {
  p.uid = b.readUInt32LE(off + 4);
  p.gid = b.readUInt32LE(off + 8);
  p.mode = (p.mode & ~0o777) | (b.readUInt32LE(off + 20) & 0o777);
}

export const nowSecs = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/**
 * IPC_STAT (byId) and the X_STAT/X_STAT_ANY commands (a slot): the object's
 * struct written to buf, read permission needed unless ANY. Returns what the
 * call returns: 0, or for a slot the object's id.
 */
export function statCmd<T extends IpcObject>(t: Task, ids: IpcIds<T>, id: number, byId: boolean, any: boolean, buf: bigint, encode: (o: T) => Buffer): number {
  const o = byId ? ids.byId(id) : ids.bySlot(id);
  if (!any && !ipcPerms(t.cred, o.perm, 0o444)) throw new Errno(E.EACCES);
  t.mem.write(buf, encode(o));
  return byId ? 0 : o.id;
}

/** IPC_SET and IPC_RMID: the object, if the caller owns or created it (or has CAP_SYS_ADMIN). */
export function ownedObject<T extends IpcObject>(t: Task, ids: IpcIds<T>, id: number): T {
  const o = ids.byId(id);
  checkOwner(t.cred, o.perm);
  return o;
}

/** IPC_SET: the struct the caller gave (size bytes), its owner and mode applied already. */
export function setCmd(t: Task, o: IpcObject & { ctime: bigint }, buf: bigint, size: number): Buffer {
  const b = t.mem.read(buf, size);
  setPerm(b, 0, o.perm);
  o.ctime = nowSecs();
  return b;
}

/** IPC_RMID of an object that goes at once: its sleepers wake to find it gone (EIDRM). */
export function removeNow<T extends IpcObject & { wait: WaitQueue }>(ids: IpcIds<T>, o: T): void {
  o.deleted = true;
  ids.remove(o);
  o.wait.wake();
}

/** A right-aligned column of a /proc/sysvipc line. */
export const col = (v: number | bigint | string, width: number): string => String(v).padStart(width);
