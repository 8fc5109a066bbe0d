// The credentials of a new program (fs/exec.c bprm_fill_uid, and
// security/commoncap.c cap_bprm_creds_from_file without file capabilities):
// setuid and setgid files give their owner's ids, and root's capabilities go
// with uid 0 as Linux's "legacy root" rules say. The host runs every guest
// with no_new_privs and ignores set-id bits: this emulation is the kernel's.
import { MS, S_ISGID, S_ISUID, S_IXGRP, type Owned } from '../fs/permission.js';
import type { Cred } from './cred.js';
import { credsChanged, noNewPrivs } from './syscalls/info.js';
import type { Task } from './task.js';

/** The credentials of a new program and whether it runs "secure" (AT_SECURE). */
export interface BprmCred { cred: Cred; secure: boolean }

/**
 * The credentials task will run the program with, the file (the ELF file
 * loaded, never a script) having owner st on a mount with mntFlags.
 */
export function bprmCreds(task: Task, st: Owned, mntFlags: number): BprmCred {
  const old = task.cred;
  const c = old.clone();
  const nnp = noNewPrivs(task);
  // bprm_fill_uid: set-id bits count unless the mount is nosuid or the task
  // asked for no new privileges; setgid only with group execute (without it
  // the bit means mandatory locking).
  if (!(mntFlags & MS.NOSUID) && !nnp) {
    if (st.mode & S_ISUID) c.euid = st.uid;
    if ((st.mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) c.egid = st.gid;
  }
  // get_file_caps: no file capabilities, so the permitted set starts empty;
  // handle_privileged_root: uid 0 (real or effective) gets the bounding and
  // inheritable sets, and effective ones only for euid 0.
  c.capPermitted = 0n;
  let effective = false;
  if (c.euid === 0 || c.uid === 0) c.capPermitted = old.capBounding | old.capInheritable;
  if (c.euid === 0) effective = true;
  const isSetid = c.euid !== old.uid || c.egid !== old.gid;
  const gained = (c.capPermitted & ~old.capPermitted) !== 0n;
  if ((isSetid || gained) && nnp) {
    // An unsafe exec (no_new_privs; the guest has no ptrace of its own)
    // gets no more than it had.
    c.euid = c.uid; c.egid = c.gid;
    c.capPermitted &= old.capPermitted;
  }
  c.suid = c.fsuid = c.euid;
  c.sgid = c.fsgid = c.egid;
  if (isSetid) c.capAmbient = 0n;
  c.capPermitted |= c.capAmbient;
  c.capEffective = effective ? c.capPermitted : c.capAmbient;
  // PR_SET_KEEPCAPS does not survive execve.
  c.keepCaps = false;
  const grew = (c.capPermitted & ~c.capAmbient) !== 0n;
  const secure = isSetid || (c.uid !== 0 && (effective || grew));
  return { cred: c, secure };
}

/**
 * Installs the new program's credentials once the exec has happened: a
 * change of ids or new capabilities makes the process undumpable and
 * drops its parent-death signal, as commit_creds() at exec does.
 */
export function commitExecCreds(task: Task, b: BprmCred): void {
  const old = task.cred;
  task.cred = b.cred;
  credsChanged(task, old, b.cred);
}

const AT_NULL = 0n, AT_SECURE = 23n;

/**
 * The host built the new program's auxiliary vector without knowing of the
 * guest's set-id exec: AT_SECURE says so to the C library (which then
 * ignores LD_PRELOAD and the like). sp is the new program's stack pointer
 * at its entry: argc, argv[], NULL, envp[], NULL, then the (type, value)
 * pairs of the auxv.
 */
export function setAtSecure(task: Task, sp: bigint): void {
  const mem = task.mem;
  const argc = mem.readU64(sp);
  let p = sp + 8n + (argc + 1n) * 8n;
  while (mem.readU64(p) !== 0n) p += 8n;
  for (p += 8n; ; p += 16n) {
    const type = mem.readU64(p);
    if (type === AT_NULL) return;
    if (type === AT_SECURE) { mem.writeU64(p + 8n, 1n); return; }
  }
}
