// System V shared memory (ipc/shm.c): segments are tmpfs-like page stores
// (mm/shmem_pages.ts) whose host memfd each shmat maps into the guest
// process, MAP_SHARED, so every process attached sees the same pages. The
// kernel keeps each process's attachments to count shm_nattch across fork,
// exec, exit and shmdt; a segment removed with IPC_RMID lives until its last
// detach.
import { Errno, E } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task, ThreadGroup } from '../kernel/task.js';
import { NR } from '../kernel/syscalls/names.js';
import { O } from '../fs/file.js';
import { ShmemPages, PAGE_SIZE } from '../mm/shmem_pages.js';
import { injectedError, mapHostFd } from '../mm/host_map.js';
import { col, encodePerm, IPC, IpcIds, ipcPerms, newPerm, nowSecs, ownedObject, setCmd, statCmd, type IpcObject } from './util.js';

export const SHM = { RDONLY: 0o10000, RND: 0o20000, REMAP: 0o40000, EXEC: 0o100000, LOCK: 11, UNLOCK: 12, STAT: 13, INFO: 14, STAT_ANY: 15 } as const;
const SHM_DEST = 0o1000, SHM_LOCKED = 0o2000;
/** Linux's defaults: SHMMAX and SHMALL are ULONG_MAX - 2^24, SHMMNI 4096, SHMMIN 1. */
const SHMMAX = (1n << 64n) - 1n - (1n << 24n), SHMALL = SHMMAX, SHMMNI = 4096, SHMMIN = 1n;
const SHMLBA = BigInt(PAGE_SIZE);
const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_SHARED = 1, MAP_FIXED = 0x10, MAP_FIXED_NOREPLACE = 0x100000;
const CAP_IPC_LOCK = 14;

export interface Segment extends IpcObject {
  size: bigint;
  readonly pages: ShmemPages;
  atime: bigint; dtime: bigint; ctime: bigint;
  cpid: number; lpid: number;
  nattch: number;
}
interface Attach { addr: bigint; len: bigint; seg: Segment }

const namespaces = new WeakMap<Kernel, IpcIds<Segment>>();
export function shmIds(k: Kernel): IpcIds<Segment> {
  let ids = namespaces.get(k);
  if (!ids) namespaces.set(k, (ids = new IpcIds<Segment>(SHMMNI)));
  return ids;
}

/** Each process's attachments (its mm's shm vmas). */
const attachments = new WeakMap<ThreadGroup, Attach[]>();
const attachedTo = (g: ThreadGroup) => { let a = attachments.get(g); if (!a) attachments.set(g, (a = [])); return a; };

const pageAlign = (n: bigint) => (n + SHMLBA - 1n) & ~(SHMLBA - 1n);

export function shmget(t: Task, key: number, size: bigint, flg: number): number {
  const ids = shmIds(t.kernel);
  if (key !== IPC.PRIVATE) {
    const s = ids.byKey(key);
    if (s) {
      if ((flg & IPC.CREAT) && (flg & IPC.EXCL)) throw new Errno(E.EEXIST);
      if (!ipcPerms(t.cred, s.perm, flg)) throw new Errno(E.EACCES);
      if (size > s.size) throw new Errno(E.EINVAL);
      return s.id;
    }
    if (!(flg & IPC.CREAT)) throw new Errno(E.ENOENT);
  }
  if (size < SHMMIN || size > SHMMAX) throw new Errno(E.EINVAL);
  const total = ids.all().reduce((n, s) => n + pageAlign(s.size) / SHMLBA, 0n);
  if (total + pageAlign(size) / SHMLBA > SHMALL) throw new Errno(E.ENOSPC);
  const now = nowSecs();
  const seg = ids.add((id, seq) => ({
    id, perm: newPerm(t.cred, key, flg, seq), deleted: false, size, pages: new ShmemPages(),
    atime: 0n, dtime: 0n, ctime: now, cpid: t.group.pid, lpid: 0, nattch: 0,
  }));
  seg.pages.truncate(pageAlign(size));
  return seg.id;
}

export async function shmat(t: Task, id: number, addr: bigint, flg: number): Promise<bigint> {
  const seg = shmIds(t.kernel).byId(id);
  let flags = MAP_SHARED;
  if (addr !== 0n) {
    if (addr & (SHMLBA - 1n)) {
      if (!(flg & SHM.RND)) throw new Errno(E.EINVAL);
      addr &= ~(SHMLBA - 1n);
      if (addr === 0n && (flg & SHM.REMAP)) throw new Errno(E.EINVAL);
    }
    // Without SHM_REMAP an occupied range is refused (EINVAL), as do_shmat checks.
    flags |= (flg & SHM.REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
  } else if (flg & SHM.REMAP) throw new Errno(E.EINVAL);
  const ro = (flg & SHM.RDONLY) !== 0;
  let prot = ro ? PROT_READ : PROT_READ | PROT_WRITE, acc = ro ? 0o444 : 0o666;
  if (flg & SHM.EXEC) { prot |= PROT_EXEC; acc |= 0o111; }
  if (!ipcPerms(t.cred, seg.perm, acc)) throw new Errno(E.EACCES);
  const len = pageAlign(seg.size);
  seg.nattch++;   // held across the mapping, so a concurrent IPC_RMID cannot free it
  let r: bigint;
  try {
    r = await mapHostFd(t, seg.pages.memfd(), ro ? O.RDONLY : O.RDWR, addr, len, prot, flags, 0n);
  } catch (e) { detach(t.kernel, t.group, seg); throw e; }
  const e = injectedError(r);
  if (e !== null) { detach(t.kernel, t.group, seg); throw new Errno(e === -E.EEXIST ? E.EINVAL : -e); }
  // SHM_REMAP replaced whatever was mapped there: attachments it covered are gone.
  const list = attachedTo(t.group);
  for (const old of list.filter((a) => a.addr < r + len && r < a.addr + a.len)) {
    list.splice(list.indexOf(old), 1);
    detach(t.kernel, t.group, old.seg);
  }
  list.push({ addr: r, len, seg });
  seg.atime = nowSecs();
  seg.lpid = t.group.pid;
  return r;
}

export async function shmdt(t: Task, addr: bigint): Promise<number> {
  const list = attachedTo(t.group);
  const i = list.findIndex((a) => a.addr === addr);
  if (i < 0) throw new Errno(E.EINVAL);
  const [a] = list.splice(i, 1);
  await t.host.inject(NR.munmap, [a.addr, a.len]);
  detach(t.kernel, t.group, a.seg);
  return 0;
}

/** One attachment of process g fewer: a segment marked for destruction goes with its last one. */
function detach(k: Kernel, g: ThreadGroup, seg: Segment): void {
  seg.nattch--;
  seg.dtime = nowSecs();
  seg.lpid = g.pid;
  if (seg.deleted && seg.nattch === 0) destroy(k, seg);
}

function destroy(k: Kernel, seg: Segment): void {
  seg.pages.free();
  shmIds(k).remove(seg);
}

/** fork: the child's copy of the address space has the parent's attachments (not for CLONE_VM). */
export function shmFork(parent: ThreadGroup, child: ThreadGroup): void {
  const list = attachments.get(parent);
  if (!list?.length) return;
  attachments.set(child, list.map((a) => ({ ...a })));
  for (const a of list) a.seg.nattch++;
}

/** exec and exit: the address space goes, and its attachments with it (exit_shm). */
export function shmExit(k: Kernel, g: ThreadGroup): void {
  const list = attachments.get(g);
  if (!list) return;
  attachments.delete(g);
  for (const a of list) detach(k, g, a.seg);
}

/** The pages of a segment that hold data (written through any mapping). */
function residentPages(s: Segment): number {
  s.pages.refresh();
  return s.pages.pages;
}

/** struct shmid64_ds (112 bytes). */
function encodeShmid(s: Segment): Buffer {
  const b = Buffer.alloc(112);
  encodePerm(b, 0, s.perm);
  b.writeBigUInt64LE(s.size, 48);
  b.writeBigInt64LE(s.atime, 56);
  b.writeBigInt64LE(s.dtime, 64);
  b.writeBigInt64LE(s.ctime, 72);
  b.writeInt32LE(s.cpid, 80);
  b.writeInt32LE(s.lpid, 84);
  b.writeBigUInt64LE(BigInt(s.nattch), 88);
  return b;
}

export function shmctl(t: Task, id: number, cmd: number, buf: bigint): number {
  const ids = shmIds(t.kernel);
  switch (cmd) {
    case IPC.INFO: {
      // struct shminfo64: shmmax, shmmin, shmmni, shmseg, shmall.
      const b = Buffer.alloc(72);
      [SHMMAX, SHMMIN, BigInt(SHMMNI), BigInt(SHMMNI), SHMALL].forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
      t.mem.write(buf, b);
      return Math.max(ids.maxSlot(), 0);
    }
    case SHM.INFO: {
      // struct shm_info: used_ids, then shm_tot and shm_rss in pages, swap counts.
      const b = Buffer.alloc(48);
      b.writeInt32LE(ids.size, 0);
      const pages = ids.all().reduce((n, s) => n + pageAlign(s.size) / SHMLBA, 0n);
      b.writeBigUInt64LE(pages, 8);
      b.writeBigUInt64LE(BigInt(ids.all().reduce((n, s) => n + residentPages(s), 0)), 16);
      t.mem.write(buf, b);
      return Math.max(ids.maxSlot(), 0);
    }
    case SHM.STAT: case SHM.STAT_ANY: case IPC.STAT:
      return statCmd(t, ids, id, cmd === IPC.STAT, cmd === SHM.STAT_ANY, buf, encodeShmid);
    case IPC.SET: setCmd(t, ownedObject(t, ids, id), buf, 48); return 0;
    case IPC.RMID: {
      const s = ownedObject(t, ids, id);
      s.deleted = true;
      s.perm.key = IPC.PRIVATE;
      s.perm.mode |= SHM_DEST;
      if (s.nattch === 0) destroy(t.kernel, s);
      return 0;
    }
    case SHM.LOCK: case SHM.UNLOCK: {
      const s = ids.byId(id);
      if (!t.cred.capable(CAP_IPC_LOCK) && t.cred.euid !== s.perm.uid && t.cred.euid !== s.perm.cuid) throw new Errno(E.EPERM);
      s.perm.mode = cmd === SHM.LOCK ? s.perm.mode | SHM_LOCKED : s.perm.mode & ~SHM_LOCKED;
      return 0;
    }
  }
  throw new Errno(E.EINVAL);
}

/** /proc/sysvipc/shm (sysvipc_shm_proc_show). */
export function showSysvipcShm(k: Kernel): string {
  const n = col;
  let out = '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n';
  for (const s of shmIds(k).sorted()) {
    const p = s.perm;
    out += `${n(p.key, 10)} ${n(s.id, 10)}  ${n(p.mode.toString(8), 4)} ${n(s.size, 21)} ${n(s.cpid, 5)} ${n(s.lpid, 5)}  ` +
      `${n(s.nattch, 5)} ${n(p.uid, 5)} ${n(p.gid, 5)} ${n(p.cuid, 5)} ${n(p.cgid, 5)} ${n(s.atime, 10)} ${n(s.dtime, 10)} ${n(s.ctime, 10)} ` +
      `${n(BigInt(residentPages(s)) * SHMLBA, 21)} ${n(0, 21)}\n`;
  }
  return out;
}
