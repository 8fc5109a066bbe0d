// Advisory file locks (fs/locks.c): POSIX record locks, OFD locks and flock.
//
// Locks belong to the inode, not to a file or a filesystem, so the kernel
// keeps them itself, keyed by the inode's stat dev+ino: two opens of one file,
// through any path or mount, see each other's locks; the host never learns of
// them (the guest's processes are the only ones that take them).
//
// Who owns a lock decides what conflicts and when it goes away, as in Linux:
// - POSIX locks (F_SETLK): owned by the fd table (Linux's fl_owner =
//   current->files, the same for all threads of a process). A process's own
//   locks never conflict, they are split and merged by range, and closing ANY
//   fd of the inode in that table drops all of them (releasePosixLocks, called
//   from the FdTable's close paths, which exit and exec go through too).
// - OFD locks (F_OFD_SETLK): the same record locks, but owned by the open file
//   description and dropped when its last reference goes.
// - flock locks: whole-file, owned by the open file description too, and kept
//   in their own list (they never conflict with record locks).
import { Errno, E } from '../host/errno.js';
import { Interrupted, sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import { WaitQueue } from '../kernel/wait.js';
import { O, type File } from './file.js';

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, LOCK_MAND = 32;
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
/** The largest file offset: a lock "to end of file" ends here. */
const OFFSET_MAX = (1n << 63n) - 1n;
/** posix_locks_deadlock gives up on chains longer than this. */
const MAX_DEADLK_ITERATIONS = 10;

/** The owner of a record lock: an FdTable (POSIX) or a File (OFD); compared by identity only. */
export type LockOwner = object;

/** A record lock held on an inode (struct file_lock with FL_POSIX). */
export interface PosixLock {
  type: number;          // F_RDLCK or F_WRLCK
  start: bigint;
  end: bigint;           // inclusive; OFFSET_MAX for "to end of file"
  owner: LockOwner;
  ofd: boolean;
  /** The guest pid of the process that set it (fl_pid), what F_GETLK reports. */
  pid: number;
}

interface FlockLock { type: number; file: File }

/** Range and type of a request, after struct flock has been decoded. */
export interface LockRequest { type: number; start: bigint; end: bigint }

/** struct file_lock_context: the locks of one inode and the tasks waiting for them. */
class InodeLocks {
  posix: PosixLock[] = [];
  flock: FlockLock[] = [];
  readonly waitq = new WaitQueue();
  get idle(): boolean { return this.posix.length === 0 && this.flock.length === 0 && this.waitq.empty; }
}

const inodes = new Map<string, InodeLocks>();
/** The inodes on which an owner holds record locks: makes close cheap when it holds none. */
const ownerInodes = new WeakMap<LockOwner, Set<string>>();
/** What each blocked POSIX owner waits for (Linux's blocked_hash), for deadlock detection. */
const blocked = new Map<LockOwner, Set<{ blocker: PosixLock }>>();
/** Open files whose last close must drop their OFD and flock locks. */
const hooked = new WeakSet<File>();
/** An open file's inode key, computed once (stat of an open file never changes identity). */
const keys = new WeakMap<File, string>();
let anonKeys = 0;

function inodeKey(f: File): string {
  let k = keys.get(f);
  if (k === undefined) {
    try {
      const st = f.stat();
      k = `${st.dev}:${st.ino}`;
    } catch {
      // An object without a stat is its own inode.
      k = `anon:${++anonKeys}`;
    }
    keys.set(f, k);
  }
  return k;
}

function locksOf(key: string): InodeLocks {
  let il = inodes.get(key);
  if (!il) { il = new InodeLocks(); inodes.set(key, il); }
  return il;
}

function tidy(key: string, il: InodeLocks): void {
  if (il.idle && inodes.get(key) === il) inodes.delete(key);
}

const overlap = (a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }) => a.end >= b.start && b.end >= a.start;
/** locks_conflict: two locks conflict unless both are read locks. */
const typesConflict = (a: number, b: number) => a === F_WRLCK || b === F_WRLCK;

/** posix_locks_conflict: another owner's overlapping lock where one of the two writes. */
function posixConflict(il: InodeLocks, owner: LockOwner, req: LockRequest): PosixLock | null {
  for (const l of il.posix) {
    if (l.owner !== owner && overlap(l, req) && typesConflict(l.type, req.type)) return l;
  }
  return null;
}

/**
 * posix_locks_deadlock: follow "the owner of the lock I wait for is itself
 * waiting for a lock held by ..." and report a cycle back to the caller.
 */
function deadlock(owner: LockOwner, blocker: PosixLock): boolean {
  let b: PosixLock | undefined = blocker;
  for (let i = 0; (b = whatOwnerIsWaitingFor(b.owner)); i++) {
    if (i > MAX_DEADLK_ITERATIONS) return false;
    if (b.owner === owner) return true;
  }
  return false;
}

function whatOwnerIsWaitingFor(owner: LockOwner): PosixLock | undefined {
  return blocked.get(owner)?.values().next().value?.blocker;
}

/**
 * posix_lock_inode, without the conflict check: replaces the owner's locks in
 * the request's range by the request (or by nothing for F_UNLCK), splitting
 * the locks it cuts and merging neighbours of the same type, so that an
 * owner's locks never overlap. The owner's locks stay together in the list,
 * ordered by start, where they were (a new owner's go last): the order F_GETLK
 * finds conflicts in, as Linux's flc_posix list.
 */
function applyPosix(key: string, il: InodeLocks, owner: LockOwner, ofd: boolean, req: LockRequest, pid: number): void {
  const firstMine = il.posix.findIndex((l) => l.owner === owner);
  const others = il.posix.filter((l) => l.owner !== owner);
  // Every lock before the owner's first one is another owner's.
  const before = firstMine < 0 ? others.length : firstMine;
  const pieces: PosixLock[] = [];
  let changed = false;
  for (const l of il.posix) {
    if (l.owner !== owner) continue;
    if (!overlap(l, req)) { pieces.push(l); continue; }
    changed = true;
    if (l.start < req.start) pieces.push({ ...l, end: req.start - 1n });
    if (l.end > req.end) pieces.push({ ...l, start: req.end + 1n });
  }
  if (req.type !== F_UNLCK) {
    pieces.push({ type: req.type, start: req.start, end: req.end, owner, ofd, pid });
    changed = true;
  }
  pieces.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const mine: PosixLock[] = [];
  for (const p of pieces) {
    const last = mine[mine.length - 1];
    if (last && last.type === p.type && last.end + 1n >= p.start) {
      mine[mine.length - 1] = { ...last, end: last.end > p.end ? last.end : p.end, pid };
    } else mine.push(p);
  }
  il.posix = [...others.slice(0, before), ...mine, ...others.slice(before)];

  let set = ownerInodes.get(owner);
  if (mine.length) {
    if (!set) { set = new Set(); ownerInodes.set(owner, set); }
    set.add(key);
  } else set?.delete(key);
  // Waiters re-check their conflicts; a lock that went away or was
  // downgraded may be what they wait for.
  if (changed) il.waitq.wake();
}

/** Drops an open file's OFD and flock locks when its last reference goes (locks_remove_file). */
function hookClose(f: File): void {
  if (hooked.has(f)) return;
  hooked.add(f);
  f.closeHooks.add(() => {
    const key = inodeKey(f);
    const il = inodes.get(key);
    if (!il) return;
    if (il.posix.some((l) => l.owner === f)) applyPosix(key, il, f, true, { type: F_UNLCK, start: 0n, end: OFFSET_MAX }, 0);
    const n = il.flock.length;
    il.flock = il.flock.filter((l) => l.file !== f);
    if (il.flock.length !== n) il.waitq.wake();
    tidy(key, il);
  });
}

/** A task that died while it slept must not take a lock afterwards. */
function checkAlive(t: Task): void {
  if (t.kernel.tasks.get(t.tid) !== t) throw new Interrupted(9);
}

/**
 * locks_remove_posix: a close of any fd of the inode drops every POSIX lock
 * the fd table owns on it. Cheap unless the owner holds record locks.
 */
export function releasePosixLocks(owner: LockOwner, f: File): void {
  const held = ownerInodes.get(owner);
  if (!held || held.size === 0) return;
  const key = inodeKey(f);
  if (!held.has(key)) return;
  const il = inodes.get(key);
  if (!il) { held.delete(key); return; }
  applyPosix(key, il, owner, false, { type: F_UNLCK, start: 0n, end: OFFSET_MAX }, 0);
  tidy(key, il);
}

/** The lock that would conflict with req, or null (posix_test_lock). */
export function testPosixLock(f: File, owner: LockOwner, req: LockRequest): PosixLock | null {
  const il = inodes.get(inodeKey(f));
  return il ? posixConflict(il, owner, req) : null;
}

/**
 * Sets (or, with F_UNLCK, clears) a record lock: EAGAIN on a conflict, or,
 * with wait, sleeps until the conflict is gone, failing with EDEADLK when
 * the wait would close a cycle of POSIX owners waiting for each other.
 */
export async function setPosixLock(t: Task, f: File, owner: LockOwner, ofd: boolean, req: LockRequest, wait: boolean): Promise<void> {
  const key = inodeKey(f);
  for (;;) {
    const il = locksOf(key);
    const c = req.type === F_UNLCK ? null : posixConflict(il, owner, req);
    if (!c) {
      applyPosix(key, il, owner, ofd, req, t.pid);
      if (ofd) hookClose(f);
      tidy(key, il);
      return;
    }
    if (!wait) { tidy(key, il); throw new Errno(E.EAGAIN); }
    // Linux's detector cannot follow OFD owners and does not try.
    if (!ofd && deadlock(owner, c)) { tidy(key, il); throw new Errno(E.EDEADLOCK); }
    // As Linux's blocked_hash, which holds the waiters blocked by a
    // (non-OFD) POSIX lock, whatever kind of lock they ask for.
    const me = { blocker: c };
    let waits = blocked.get(owner);
    if (!c.ofd) {
      if (!waits) { waits = new Set(); blocked.set(owner, waits); }
      waits.add(me);
    }
    try {
      await sleepOn(t, [il.waitq]);
    } finally {
      waits?.delete(me);
      if (waits?.size === 0) blocked.delete(owner);
    }
    checkAlive(t);
  }
}

/**
 * flock(2) on an open file (flock_lock_inode): a request for the lock the
 * file already has succeeds at once; any other first removes the old lock
 * (a conversion is not atomic, as in Linux), then waits for or fails on a
 * conflict with another open file's lock.
 */
export async function setFlock(t: Task, f: File, type: number, wait: boolean): Promise<void> {
  const key = inodeKey(f);
  for (;;) {
    const il = locksOf(key);
    const i = il.flock.findIndex((l) => l.file === f);
    if (i >= 0) {
      if (il.flock[i].type === type) return;
      il.flock.splice(i, 1);
      il.waitq.wake();
    }
    if (type === F_UNLCK) { tidy(key, il); return; }
    const c = il.flock.find((l) => l.file !== f && typesConflict(l.type, type));
    if (!c) {
      il.flock.push({ type, file: f });
      hookClose(f);
      return;
    }
    if (!wait) { tidy(key, il); throw new Errno(E.EWOULDBLOCK); }
    await sleepOn(t, [il.waitq]);
    checkAlive(t);
  }
}

// ---- struct flock (fcntl F_GETLK and friends) ----

/** sizeof(struct flock) on x86-64: l_type, l_whence, l_start @8, l_len @16, l_pid @24. */
const FLOCK_SIZE = 32;

/** The file position that SEEK_CUR counts from (the host fd's offset for hostfs files). */
function filePos(f: File): bigint {
  try { return f.llseek(0n, SEEK_CUR); } catch { return f.pos; }
}

/** flock64_to_posix_lock: l_whence, l_start and l_len as an absolute inclusive range. */
function flockRange(f: File, b: Buffer): { start: bigint; end: bigint } {
  const whence = b.readInt16LE(2);
  const lstart = b.readBigInt64LE(8), llen = b.readBigInt64LE(16);
  let base: bigint;
  switch (whence) {
    case SEEK_SET: base = 0n; break;
    case SEEK_CUR: base = filePos(f); break;
    case SEEK_END: base = f.stat().size; break;
    default: throw new Errno(E.EINVAL);
  }
  if (lstart > OFFSET_MAX - base) throw new Errno(E.EOVERFLOW);
  let start = base + lstart;
  if (start < 0n) throw new Errno(E.EINVAL);
  let end: bigint;
  if (llen > 0n) {
    if (llen - 1n > OFFSET_MAX - start) throw new Errno(E.EOVERFLOW);
    end = start + llen - 1n;
  } else if (llen < 0n) {
    // POSIX-2001: a negative length locks the bytes before l_start.
    if (start + llen < 0n) throw new Errno(E.EINVAL);
    end = start - 1n;
    start += llen;
  } else end = OFFSET_MAX;
  return { start, end };
}

/** check_fmode_for_setlk: a read lock needs a readable file, a write lock a writable one. */
function checkMode(f: File, type: number): void {
  if (type === F_RDLCK && !f.readable) throw new Errno(E.EBADF);
  if (type === F_WRLCK && !f.writable) throw new Errno(E.EBADF);
}

/** fcntl_getlk: F_GETLK (owner: the fd table) and F_OFD_GETLK. */
export function fcntlGetlk(t: Task, f: File, ofd: boolean, addr: bigint): number {
  const b = t.mem.read(addr, FLOCK_SIZE);
  const type = b.readInt16LE(0);
  if (type !== F_RDLCK && type !== F_WRLCK) throw new Errno(E.EINVAL);
  const range = flockRange(f, b);
  if (ofd && b.readInt32LE(24) !== 0) throw new Errno(E.EINVAL);
  const c = testPosixLock(f, ofd ? f : t.files, { type, ...range });
  if (!c) {
    b.writeInt16LE(F_UNLCK, 0);
  } else {
    b.writeInt16LE(c.type, 0);
    b.writeInt16LE(SEEK_SET, 2);
    b.writeBigInt64LE(c.start, 8);
    b.writeBigInt64LE(c.end === OFFSET_MAX ? 0n : c.end - c.start + 1n, 16);
    b.writeInt32LE(c.ofd ? -1 : c.pid, 24);
  }
  t.mem.write(addr, b);
  return 0;
}

/** fcntl_setlk: F_SETLK, F_SETLKW, F_OFD_SETLK and F_OFD_SETLKW. */
export async function fcntlSetlk(t: Task, fd: number, f: File, ofd: boolean, wait: boolean, addr: bigint): Promise<number> {
  const b = t.mem.read(addr, FLOCK_SIZE);
  const type = b.readInt16LE(0);
  const range = flockRange(f, b);
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) throw new Errno(E.EINVAL);
  checkMode(f, type);
  if (ofd && b.readInt32LE(24) !== 0) throw new Errno(E.EINVAL);
  const owner = ofd ? f : t.files;
  const req = { type, ...range };
  await setPosixLock(t, f, owner, ofd, req, wait);
  // A close of the fd by another thread while we slept: the lock must not
  // outlive it (Linux's close/fcntl race recovery).
  if (wait && type !== F_UNLCK && !ofd && t.files.fds.get(fd)?.file !== f) {
    await setPosixLock(t, f, owner, ofd, { ...req, type: F_UNLCK }, false);
    throw new Errno(E.EBADF);
  }
  return 0;
}

/** flock(2). */
export async function sysFlock(t: Task, fd: number, cmd: number): Promise<number> {
  // LOCK_MAND never worked and Linux now ignores it.
  if (cmd & LOCK_MAND) return 0;
  const op = cmd & ~LOCK_NB;
  const type = op === LOCK_SH ? F_RDLCK : op === LOCK_EX ? F_WRLCK : op === LOCK_UN ? F_UNLCK : -1;
  if (type < 0) throw new Errno(E.EINVAL);
  const f = t.files.get(fd);
  if (f.flags & O.PATH) throw new Errno(E.EBADF);
  // A file open for neither reading nor writing cannot be locked.
  if (type !== F_UNLCK && !f.readable && !f.writable) throw new Errno(E.EBADF);
  await setFlock(t, f, type, !(cmd & LOCK_NB));
  return 0;
}
