// tuml run --trace: every guest system call, strace-style, on stderr:
//   [pid 3] openat(AT_FDCWD, "/etc/passwd", 0x80000) = 3
import { writeSync } from 'node:fs';
import { ERRNO_NAMES } from '../host/errno.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { SYSCALL_NAMES } from './syscalls/names.js';

/** Which arguments are C strings (paths), by syscall name. */
const STRING_ARGS: Record<string, number[]> = {
  open: [0], creat: [0], stat: [0], lstat: [0], access: [0], readlink: [0], execve: [0],
  chdir: [0], mkdir: [0], rmdir: [0], unlink: [0], rename: [0, 1], link: [0, 1], symlink: [0, 1],
  chmod: [0], chown: [0], lchown: [0], truncate: [0], statfs: [0], chroot: [0], mknod: [0],
  openat: [1], newfstatat: [1], faccessat: [1], faccessat2: [1], readlinkat: [1], mkdirat: [1],
  unlinkat: [1], renameat: [1, 3], renameat2: [1, 3], linkat: [1, 3], symlinkat: [0, 2],
  fchmodat: [1], fchownat: [1], utimensat: [1], statx: [1], execveat: [1], mknodat: [1],
  getxattr: [0, 1], lgetxattr: [0, 1], setxattr: [0, 1], lsetxattr: [0, 1], listxattr: [0], llistxattr: [0],
};

export class Tracer {
  private pending = new Map<Task, string>();
  constructor(readonly kernel: Kernel) {}

  private out(s: string): void { try { writeSync(2, s + '\n'); } catch { /* stderr gone */ } }

  enter(task: Task, nr: number, args: bigint[]): void {
    const name = SYSCALL_NAMES[nr] ?? `syscall_${nr}`;
    const strs = STRING_ARGS[name] ?? [];
    const shown = args.slice(0, argCount(name)).map((a, i) => {
      if (strs.includes(i)) {
        try { return JSON.stringify(task.mem.readCString(a)); } catch { return '0x' + a.toString(16); }
      }
      const v = BigInt.asIntN(64, a);
      if (BigInt.asIntN(32, a) === -100n && i === 0 && name.endsWith('at')) return 'AT_FDCWD';
      return v >= -4096n && v < 65536n ? v.toString() : '0x' + a.toString(16);
    });
    this.pending.set(task, `[pid ${task.tid}] ${name}(${shown.join(', ')})`);
  }

  exit(task: Task, _nr: number, _args: bigint[], ret: bigint): void {
    const line = this.pending.get(task) ?? `[pid ${task.tid}] ...`;
    this.pending.delete(task);
    const v = BigInt.asIntN(64, ret);
    const shown = v < 0n && v > -4096n ? `-1 ${ERRNO_NAMES[Number(-v)] ?? ''} (errno ${-v})` :
      v > 65535n ? '0x' + v.toString(16) : v.toString();
    this.out(`${line} = ${shown}`);
  }

  note(task: Task, what: string): void { this.out(`[pid ${task.tid}] --- ${what} ---`); }
}

/** Argument counts for display (from the syscall prototypes; 6 when unknown). */
const ARGC: Record<string, number> = {
  read: 3, write: 3, open: 3, close: 1, stat: 2, fstat: 2, lstat: 2, poll: 3, lseek: 3, mmap: 6,
  mprotect: 3, munmap: 2, brk: 1, rt_sigaction: 4, rt_sigprocmask: 4, ioctl: 3, pread64: 4,
  pwrite64: 4, readv: 3, writev: 3, access: 2, pipe: 1, select: 5, dup: 1, dup2: 2, getpid: 0,
  clone: 5, fork: 0, vfork: 0, execve: 3, exit: 1, wait4: 4, kill: 2, uname: 1, fcntl: 3,
  getdents64: 3, getcwd: 2, chdir: 1, fchdir: 1, rename: 2, mkdir: 2, rmdir: 1, unlink: 1,
  readlink: 3, umask: 1, getuid: 0, getgid: 0, geteuid: 0, getegid: 0, getppid: 0, getpgrp: 0,
  setsid: 0, setpgid: 2, openat: 4, newfstatat: 4, exit_group: 1, pipe2: 2, dup3: 3,
  set_tid_address: 1, prlimit64: 4, getrandom: 3, statx: 5, clone3: 2, faccessat2: 4, gettid: 0,
  arch_prctl: 2, set_robust_list: 2, rseq: 4, futex: 6, unlinkat: 3, mkdirat: 3, readlinkat: 4,
  sysinfo: 1, tgkill: 3, tkill: 2, getrlimit: 2, setrlimit: 2, chmod: 2, fchmod: 2, getsid: 1,
};
function argCount(name: string): number { return ARGC[name] ?? 6; }
