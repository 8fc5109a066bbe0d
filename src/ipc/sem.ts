// System V semaphores (ipc/sem.c): sets of counters changed atomically by
// semop, a whole array of operations applied at once or not at all. A caller
// whose operations cannot all proceed sleeps on the set until it changes;
// SEM_UNDO operations are remembered per process and reverted when it exits.
import { Errno, E } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task, ThreadGroup } from '../kernel/task.js';
import { sleepOn } from '../kernel/sched.js';
import { WaitQueue } from '../kernel/wait.js';
import { col, encodePerm, IPC, IpcIds, ipcPerms, newPerm, nowSecs, ownedObject, removeNow, setCmd, statCmd, type IpcObject } from './util.js';

/** Linux's defaults (SEMMSL, SEMMNS, SEMOPM, SEMMNI, SEMVMX, SEMAEM). */
const SEMMSL = 32000, SEMMNS = 1024000000, SEMOPM = 500, SEMMNI = 32000, SEMVMX = 32767, SEMAEM = SEMVMX;
export const SEM = { GETPID: 11, GETVAL: 12, GETALL: 13, GETNCNT: 14, GETZCNT: 15, SETVAL: 16, SETALL: 17, STAT: 18, INFO: 19, STAT_ANY: 20 } as const;
const SEM_UNDO = 0x1000;

interface Sem { val: number; pid: number; ncnt: number; zcnt: number }
export interface SemSet extends IpcObject {
  readonly sems: Sem[];
  otime: bigint; ctime: bigint;
  /** Sleepers in semop wait here; every change wakes them to try again. */
  readonly wait: WaitQueue;
}
interface SemOp { num: number; op: number; flg: number }

const namespaces = new WeakMap<Kernel, IpcIds<SemSet>>();
export function semIds(k: Kernel): IpcIds<SemSet> {
  let ids = namespaces.get(k);
  if (!ids) namespaces.set(k, (ids = new IpcIds<SemSet>(SEMMNI)));
  return ids;
}

/** Each process's SEM_UNDO adjustments: set id → per-semaphore amounts. */
const undos = new WeakMap<ThreadGroup, Map<number, number[]>>();

export function semget(t: Task, key: number, nsems: number, flg: number): number {
  const ids = semIds(t.kernel);
  if (nsems < 0 || nsems > SEMMSL) throw new Errno(E.EINVAL);
  if (key !== IPC.PRIVATE) {
    const s = ids.byKey(key);
    if (s) {
      if ((flg & IPC.CREAT) && (flg & IPC.EXCL)) throw new Errno(E.EEXIST);
      if (!ipcPerms(t.cred, s.perm, flg)) throw new Errno(E.EACCES);
      if (nsems > s.sems.length) throw new Errno(E.EINVAL);
      return s.id;
    }
    if (!(flg & IPC.CREAT)) throw new Errno(E.ENOENT);
  }
  if (nsems === 0) throw new Errno(E.EINVAL);
  if (ids.all().reduce((n, s) => n + s.sems.length, 0) + nsems > SEMMNS) throw new Errno(E.ENOSPC);
  const set = ids.add((id, seq) => ({
    id, perm: newPerm(t.cred, key, flg, seq), deleted: false,
    sems: Array.from({ length: nsems }, () => ({ val: 0, pid: 0, ncnt: 0, zcnt: 0 })),
    otime: 0n, ctime: nowSecs(), wait: new WaitQueue(),
  }));
  return set.id;
}

function readOps(t: Task, addr: bigint, n: number): SemOp[] {
  if (n < 1) throw new Errno(E.EINVAL);
  if (n > SEMOPM) throw new Errno(E.E2BIG);
  const b = t.mem.read(addr, n * 6);
  return Array.from({ length: n }, (_, i) => ({ num: b.readUInt16LE(i * 6), op: b.readInt16LE(i * 6 + 2), flg: b.readInt16LE(i * 6 + 4) }));
}

/**
 * perform_atomic_semop: applies every operation or none. Returns null when
 * done, else the operation that must wait (for an increase, or for zero).
 */
function tryOps(set: SemSet, ops: SemOp[], pid: number): SemOp | null {
  const vals = set.sems.map((s) => s.val);
  for (const o of ops) {
    const v = vals[o.num];
    if (o.op === 0) { if (v !== 0) return blocked(o); continue; }
    const nv = v + o.op;
    if (nv < 0) return blocked(o);
    if (nv > SEMVMX) throw new Errno(E.ERANGE);
    vals[o.num] = nv;
  }
  for (const o of ops) { set.sems[o.num].val = vals[o.num]; set.sems[o.num].pid = pid; }
  return null;
}
function blocked(o: SemOp): SemOp {
  if (o.flg & IPC.NOWAIT) throw new Errno(E.EAGAIN);
  return o;
}

function recordUndo(g: ThreadGroup, set: SemSet, ops: SemOp[]): void {
  const undoOps = ops.filter((o) => (o.flg & SEM_UNDO) && o.op !== 0);
  if (!undoOps.length) return;
  let m = undos.get(g);
  if (!m) undos.set(g, (m = new Map()));
  let adj = m.get(set.id);
  if (!adj) m.set(set.id, (adj = new Array(set.sems.length).fill(0)));
  for (const o of undoOps) adj[o.num] -= o.op;
}

/** semop and semtimedop (timeoutMs null: no timeout). */
export async function semop(t: Task, id: number, sops: bigint, nsops: number, timeoutMs: number | null): Promise<number> {
  const ops = readOps(t, sops, nsops);
  const set = semIds(t.kernel).byId(id);
  if (ops.some((o) => o.num >= set.sems.length)) throw new Errno(E.EFBIG);
  const alter = ops.some((o) => o.op !== 0);
  if (!ipcPerms(t.cred, set.perm, alter ? 0o222 : 0o444)) throw new Errno(E.EACCES);
  const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
  for (;;) {
    const wait = tryOps(set, ops, t.group.pid);
    if (!wait) {
      set.otime = nowSecs();
      recordUndo(t.group, set, ops);
      if (alter) set.wait.wake();
      return 0;
    }
    const s = set.sems[wait.num];
    const count = wait.op === 0 ? 'zcnt' : 'ncnt';
    s[count]++;
    let woken: boolean;
    try {
      woken = await sleepOn(t, [set.wait], deadline === null ? null : Math.max(0, deadline - Date.now()));
    } finally { s[count]--; }
    if (set.deleted) throw new Errno(E.EIDRM);
    if (!woken) throw new Errno(E.EAGAIN);
  }
}

/** exit_sem: the process's SEM_UNDO adjustments are applied, within 0..SEMVMX. */
export function semExit(k: Kernel, g: ThreadGroup): void {
  const m = undos.get(g);
  if (!m) return;
  undos.delete(g);
  const ids = semIds(k);
  for (const [id, adj] of m) {
    let set: SemSet;
    try { set = ids.byId(id); } catch { continue; }
    adj.forEach((a, i) => {
      if (!a || i >= set.sems.length) return;
      set.sems[i].val = Math.min(SEMVMX, Math.max(0, set.sems[i].val + a));
      set.sems[i].pid = g.pid;
    });
    set.otime = nowSecs();
    set.wait.wake();
  }
}

/** SETVAL and SETALL clear the adjustments every process holds for the changed semaphores. */
function clearUndo(k: Kernel, set: SemSet, num: number | null): void {
  for (const g of k.groups.values()) {
    const adj = undos.get(g)?.get(set.id);
    if (!adj) continue;
    if (num === null) adj.fill(0); else adj[num] = 0;
  }
}

/** struct semid64_ds (104 bytes). */
function encodeSemid(s: SemSet): Buffer {
  const b = Buffer.alloc(104);
  encodePerm(b, 0, s.perm);
  b.writeBigInt64LE(s.otime, 48);
  b.writeBigInt64LE(s.ctime, 64);
  b.writeBigUInt64LE(BigInt(s.sems.length), 80);
  return b;
}

function readable(t: Task, s: SemSet): SemSet {
  if (!ipcPerms(t.cred, s.perm, 0o444)) throw new Errno(E.EACCES);
  return s;
}
function writable(t: Task, s: SemSet): SemSet {
  if (!ipcPerms(t.cred, s.perm, 0o222)) throw new Errno(E.EACCES);
  return s;
}
function semAt(s: SemSet, num: number): Sem {
  if (num < 0 || num >= s.sems.length) throw new Errno(E.EINVAL);
  return s.sems[num];
}

/** semctl; arg is union semun as passed (a value or a pointer). */
export function semctl(t: Task, id: number, num: number, cmd: number, arg: bigint): number {
  const ids = semIds(t.kernel);
  switch (cmd) {
    case IPC.INFO: case SEM.INFO: {
      // struct seminfo: semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem.
      const sets = ids.all();
      const used = sets.reduce((n, s) => n + s.sems.length, 0);
      const v = [SEMMNS, SEMMNI, SEMMNS, SEMMNS, SEMMSL, SEMOPM, SEMOPM, 20, SEMVMX, SEMAEM];
      if (cmd === SEM.INFO) { v[7] = sets.length; v[9] = used; }   // semusz: sets in use, semaem: semaphores in use
      const b = Buffer.alloc(40);
      v.forEach((x, i) => b.writeInt32LE(x, i * 4));
      t.mem.write(arg, b);
      return Math.max(ids.maxSlot(), 0);
    }
    case IPC.STAT: case SEM.STAT: case SEM.STAT_ANY:
      return statCmd(t, ids, id, cmd === IPC.STAT, cmd === SEM.STAT_ANY, arg, encodeSemid);
    case IPC.SET: setCmd(t, ownedObject(t, ids, id), arg, 48); return 0;
    case IPC.RMID: removeNow(ids, ownedObject(t, ids, id)); return 0;
    case SEM.GETVAL: return semAt(readable(t, ids.byId(id)), num).val;
    case SEM.GETPID: return semAt(readable(t, ids.byId(id)), num).pid;
    case SEM.GETNCNT: return semAt(readable(t, ids.byId(id)), num).ncnt;
    case SEM.GETZCNT: return semAt(readable(t, ids.byId(id)), num).zcnt;
    case SEM.GETALL: {
      const s = readable(t, ids.byId(id));
      const b = Buffer.alloc(s.sems.length * 2);
      s.sems.forEach((x, i) => b.writeUInt16LE(x.val, i * 2));
      t.mem.write(arg, b);
      return 0;
    }
    case SEM.SETVAL: {
      const s = ids.byId(id);
      const sem = semAt(s, num);
      const v = Number(BigInt.asIntN(32, arg));
      if (v < 0 || v > SEMVMX) throw new Errno(E.ERANGE);
      writable(t, s);
      sem.val = v; sem.pid = t.group.pid;
      clearUndo(t.kernel, s, num);
      s.ctime = nowSecs();
      s.wait.wake();
      return 0;
    }
    case SEM.SETALL: {
      const s = writable(t, ids.byId(id));
      const b = t.mem.read(arg, s.sems.length * 2);
      const vals = s.sems.map((_, i) => b.readUInt16LE(i * 2));
      if (vals.some((v) => v > SEMVMX)) throw new Errno(E.ERANGE);
      vals.forEach((v, i) => { s.sems[i].val = v; s.sems[i].pid = t.group.pid; });
      clearUndo(t.kernel, s, null);
      s.ctime = nowSecs();
      s.wait.wake();
      return 0;
    }
  }
  throw new Errno(E.EINVAL);
}

/** /proc/sysvipc/sem (sysvipc_sem_proc_show). */
export function showSysvipcSem(k: Kernel): string {
  const n = col;
  let out = '       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n';
  for (const s of semIds(k).sorted()) {
    const p = s.perm;
    out += `${n(p.key, 10)} ${n(s.id, 10)}  ${n(p.mode.toString(8), 4)} ${n(s.sems.length, 10)} ${n(p.uid, 5)} ${n(p.gid, 5)} ` +
      `${n(p.cuid, 5)} ${n(p.cgid, 5)} ${n(s.otime, 10)} ${n(s.ctime, 10)}\n`;
  }
  return out;
}
