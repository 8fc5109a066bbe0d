// Credentials: the setuid family, supplementary groups and capabilities
// (kernel/sys.c, kernel/groups.c, kernel/capability.c, and the capability
// fix-ups of security/commoncap.c). Credentials are per thread, as in Linux:
// glibc's setuid() makes every thread call the system call itself. A change
// never edits a Cred in place: it builds a new one and commits it, as
// prepare_creds()/commit_creds() do.
import { Errno, E } from '../../host/errno.js';
import { CAP, CAP_FULL, Cred } from '../cred.js';
import type { Task } from '../task.js';
import { credsChanged } from './info.js';
import { int, register, uint } from './table.js';

/** (uid_t)-1: "leave this id alone", and the one id that is never valid. */
const NO_ID = 0xffffffff;

const ids = (a: bigint[], n: number) => a.slice(0, n).map(uint);

/** commit_creds(): install the new credentials and apply their side effects. */
function commit(t: Task, c: Cred): number {
  const old = t.cred;
  t.cred = c;
  credsChanged(t, old, c);
  return 0;
}

// ---- reading ----

register('getuid', (_k, t) => t.cred.uid);
register('geteuid', (_k, t) => t.cred.euid);
register('getgid', (_k, t) => t.cred.gid);
register('getegid', (_k, t) => t.cred.egid);

/** Three u32 stores, in order, each failing with EFAULT on its own (put_user). */
function putIds(t: Task, ptrs: bigint[], values: number[]): number {
  ptrs.forEach((p, i) => t.mem.writeU32(p, values[i]));
  return 0;
}
register('getresuid', (_k, t, a) => putIds(t, a.slice(0, 3), [t.cred.uid, t.cred.euid, t.cred.suid]));
register('getresgid', (_k, t, a) => putIds(t, a.slice(0, 3), [t.cred.gid, t.cred.egid, t.cred.sgid]));

// ---- capability fix-ups when uids change (capabilities(7), cap_task_fix_setuid) ----

const bit = (cap: number) => 1n << BigInt(cap);
/** CAP_FS_SET: the capabilities that follow the filesystem uid. */
const CAP_FS_SET = bit(CAP.CHOWN) | bit(CAP.MKNOD) | bit(CAP.DAC_OVERRIDE) | bit(CAP.DAC_READ_SEARCH) |
  bit(CAP.FOWNER) | bit(CAP.FSETID) | bit(32 /* MAC_OVERRIDE */) | bit(9 /* LINUX_IMMUTABLE */);

/** cap_emulate_setxuid(): root's capabilities go with its last root uid. */
function fixSetuid(c: Cred, old: Cred): void {
  const hadRoot = old.uid === 0 || old.euid === 0 || old.suid === 0;
  const hasRoot = c.uid === 0 || c.euid === 0 || c.suid === 0;
  if (hadRoot && !hasRoot) {
    if (!c.keepCaps) { c.capPermitted = 0n; c.capEffective = 0n; }
    c.capAmbient = 0n;
  }
  if (old.euid === 0 && c.euid !== 0) c.capEffective = 0n;
  if (old.euid !== 0 && c.euid === 0) c.capEffective = c.capPermitted;
}

/** The LSM_SETID_FS case: the filesystem capabilities follow fsuid 0. */
function fixSetfsuid(c: Cred, old: Cred): void {
  if (old.fsuid === 0 && c.fsuid !== 0) c.capEffective &= ~CAP_FS_SET;
  if (old.fsuid !== 0 && c.fsuid === 0) c.capEffective |= c.capPermitted & CAP_FS_SET;
}

// ---- uids ----

register('setuid', (_k, t, a) => {
  const [uid] = ids(a, 1);
  if (uid === NO_ID) throw new Errno(E.EINVAL);
  const old = t.cred, c = old.clone();
  if (old.capable(CAP.SETUID)) c.uid = c.suid = uid;
  else if (uid !== old.uid && uid !== old.suid) throw new Errno(E.EPERM);
  c.euid = c.fsuid = uid;
  fixSetuid(c, old);
  return commit(t, c);
});

register('setreuid', (_k, t, a) => {
  const [ruid, euid] = ids(a, 2);
  const old = t.cred, c = old.clone();
  const may = old.capable(CAP.SETUID);
  if (ruid !== NO_ID) {
    if (ruid !== old.uid && ruid !== old.euid && !may) throw new Errno(E.EPERM);
    c.uid = ruid;
  }
  if (euid !== NO_ID) {
    if (euid !== old.uid && euid !== old.euid && euid !== old.suid && !may) throw new Errno(E.EPERM);
    c.euid = euid;
  }
  // The saved id follows the effective one when the real id is set or the
  // effective id moves away from the (old) real one.
  if (ruid !== NO_ID || (euid !== NO_ID && euid !== old.uid)) c.suid = c.euid;
  c.fsuid = c.euid;
  fixSetuid(c, old);
  return commit(t, c);
});

/** True when id is set (not -1) and is none of the ids the caller holds already. */
const isNew = (id: number, held: number[]) => id !== NO_ID && !held.includes(id);

register('setresuid', (_k, t, a) => {
  const [ruid, euid, suid] = ids(a, 3);
  const old = t.cred;
  const noop = (ruid === NO_ID || ruid === old.uid) &&
    (euid === NO_ID || (euid === old.euid && euid === old.fsuid)) &&
    (suid === NO_ID || suid === old.suid);
  if (noop) return 0;
  const held = [old.uid, old.euid, old.suid];
  if ((isNew(ruid, held) || isNew(euid, held) || isNew(suid, held)) && !old.capable(CAP.SETUID)) {
    throw new Errno(E.EPERM);
  }
  const c = old.clone();
  if (ruid !== NO_ID) c.uid = ruid;
  if (euid !== NO_ID) c.euid = euid;
  if (suid !== NO_ID) c.suid = suid;
  c.fsuid = c.euid;
  fixSetuid(c, old);
  return commit(t, c);
});

/** setfsuid never fails: it returns the old fsuid, changed or not. */
register('setfsuid', (_k, t, a) => {
  const [uid] = ids(a, 1);
  const old = t.cred;
  if (uid === NO_ID || uid === old.fsuid) return old.fsuid;
  const held = [old.uid, old.euid, old.suid];
  if (!held.includes(uid) && !old.capable(CAP.SETUID)) return old.fsuid;
  const c = old.clone();
  c.fsuid = uid;
  fixSetfsuid(c, old);
  commit(t, c);
  return old.fsuid;
});

// ---- gids (the same rules with CAP_SETGID, and no capability fix-ups) ----

register('setgid', (_k, t, a) => {
  const [gid] = ids(a, 1);
  if (gid === NO_ID) throw new Errno(E.EINVAL);
  const old = t.cred, c = old.clone();
  if (old.capable(CAP.SETGID)) c.gid = c.egid = c.sgid = c.fsgid = gid;
  else if (gid === old.gid || gid === old.sgid) c.egid = c.fsgid = gid;
  else throw new Errno(E.EPERM);
  return commit(t, c);
});

register('setregid', (_k, t, a) => {
  const [rgid, egid] = ids(a, 2);
  const old = t.cred, c = old.clone();
  const may = old.capable(CAP.SETGID);
  if (rgid !== NO_ID) {
    if (rgid !== old.gid && rgid !== old.egid && !may) throw new Errno(E.EPERM);
    c.gid = rgid;
  }
  if (egid !== NO_ID) {
    if (egid !== old.gid && egid !== old.egid && egid !== old.sgid && !may) throw new Errno(E.EPERM);
    c.egid = egid;
  }
  if (rgid !== NO_ID || (egid !== NO_ID && egid !== old.gid)) c.sgid = c.egid;
  c.fsgid = c.egid;
  return commit(t, c);
});

register('setresgid', (_k, t, a) => {
  const [rgid, egid, sgid] = ids(a, 3);
  const old = t.cred;
  const noop = (rgid === NO_ID || rgid === old.gid) &&
    (egid === NO_ID || (egid === old.egid && egid === old.fsgid)) &&
    (sgid === NO_ID || sgid === old.sgid);
  if (noop) return 0;
  const held = [old.gid, old.egid, old.sgid];
  if ((isNew(rgid, held) || isNew(egid, held) || isNew(sgid, held)) && !old.capable(CAP.SETGID)) {
    throw new Errno(E.EPERM);
  }
  const c = old.clone();
  if (rgid !== NO_ID) c.gid = rgid;
  if (egid !== NO_ID) c.egid = egid;
  if (sgid !== NO_ID) c.sgid = sgid;
  c.fsgid = c.egid;
  return commit(t, c);
});

register('setfsgid', (_k, t, a) => {
  const [gid] = ids(a, 1);
  const old = t.cred;
  if (gid === NO_ID || gid === old.fsgid) return old.fsgid;
  const held = [old.gid, old.egid, old.sgid];
  if (!held.includes(gid) && !old.capable(CAP.SETGID)) return old.fsgid;
  const c = old.clone();
  c.fsgid = gid;
  commit(t, c);
  return old.fsgid;
});

// ---- supplementary groups ----

const NGROUPS_MAX = 65536;

register('getgroups', (_k, t, a) => {
  const size = int(a[0]);
  if (size < 0) throw new Errno(E.EINVAL);
  const groups = t.cred.groups;
  if (size === 0) return groups.length;
  if (groups.length > size) throw new Errno(E.EINVAL);
  const b = Buffer.alloc(groups.length * 4);
  groups.forEach((g, i) => b.writeUInt32LE(g, i * 4));
  if (b.length) t.mem.write(a[1], b);
  return groups.length;
});

register('setgroups', (_k, t, a) => {
  const size = int(a[0]);
  if (!t.cred.capable(CAP.SETGID)) throw new Errno(E.EPERM);
  if (size < 0 || size > NGROUPS_MAX) throw new Errno(E.EINVAL);
  const b = size ? t.mem.read(a[1], size * 4) : Buffer.alloc(0);
  const groups: number[] = [];
  for (let i = 0; i < size; i++) {
    const g = b.readUInt32LE(i * 4);
    if (g === NO_ID) throw new Errno(E.EINVAL);
    groups.push(g);
  }
  // groups_sort(): the kernel keeps them sorted, so getgroups returns them sorted.
  groups.sort((x, y) => x - y);
  const c = t.cred.clone();
  c.groups = groups;
  return commit(t, c);
});

// ---- capget / capset (two 32-bit words per set since version 2) ----

const CAP_V1 = 0x19980330, CAP_V2 = 0x20071026, CAP_V3 = 0x20080522;
const CAP_DATA_SIZE = 12;   // struct __user_cap_data_struct: effective, permitted, inheritable

/** cap_validate_magic(): how many data words the version has; an unknown one is answered with ours. */
function capWords(t: Task, header: bigint): number {
  const version = t.mem.readU32(header);
  if (version === CAP_V1) return 1;
  if (version === CAP_V2 || version === CAP_V3) return 2;
  t.mem.writeU32(header, CAP_V3);
  throw new Errno(E.EINVAL);
}

register('capget', (k, t, a) => {
  const [header, data] = a;
  let words: number;
  try {
    words = capWords(t, header);
  } catch (e) {
    // Probing the version with a NULL data pointer is not an error.
    if (data === 0n && e instanceof Errno && e.errno === E.EINVAL) return 0;
    throw e;
  }
  if (data === 0n) return 0;
  const pid = t.mem.readI32(header + 4n);
  if (pid < 0) throw new Errno(E.EINVAL);
  const target = pid === 0 || pid === t.tid ? t : k.tasks.get(pid);
  if (!target) throw new Errno(E.ESRCH);
  const c = target.cred;
  const b = Buffer.alloc(words * CAP_DATA_SIZE);
  for (let i = 0; i < words; i++) {
    const word = (v: bigint) => Number((v >> BigInt(32 * i)) & 0xffffffffn);
    b.writeUInt32LE(word(c.capEffective), i * CAP_DATA_SIZE);
    b.writeUInt32LE(word(c.capPermitted), i * CAP_DATA_SIZE + 4);
    b.writeUInt32LE(word(c.capInheritable), i * CAP_DATA_SIZE + 8);
  }
  t.mem.write(data, b);
  return 0;
});

const subset = (a: bigint, b: bigint) => (a & ~b) === 0n;

register('capset', (_k, t, a) => {
  const [header, data] = a;
  const words = capWords(t, header);
  const pid = t.mem.readI32(header + 4n);
  // Only the caller's own capabilities may be set.
  if (pid !== 0 && pid !== t.tid) throw new Errno(E.EPERM);
  const b = Buffer.alloc(2 * CAP_DATA_SIZE);
  t.mem.read(data, words * CAP_DATA_SIZE).copy(b);
  const set = (off: number) =>
    (BigInt(b.readUInt32LE(off)) | (BigInt(b.readUInt32LE(CAP_DATA_SIZE + off)) << 32n)) & CAP_FULL;
  const effective = set(0), permitted = set(4), inheritable = set(8);
  const old = t.cred;
  // cap_capset(): no new inheritable capability without CAP_SETPCAP or outside
  // the bounding set, no new permitted one, effective within permitted.
  if (!old.capable(CAP.SETPCAP) && !subset(inheritable, old.capInheritable | old.capPermitted)) throw new Errno(E.EPERM);
  if (!subset(inheritable, old.capInheritable | old.capBounding)) throw new Errno(E.EPERM);
  if (!subset(permitted, old.capPermitted)) throw new Errno(E.EPERM);
  if (!subset(effective, permitted)) throw new Errno(E.EPERM);
  const c = old.clone();
  c.capEffective = effective;
  c.capPermitted = permitted;
  c.capInheritable = inheritable;
  c.capAmbient &= permitted & inheritable;
  return commit(t, c);
});
