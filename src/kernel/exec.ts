// execve (fs/exec.c, fs/binfmt_script.c, the checks of fs/binfmt_elf.c). The
// kernel resolves the program through its own VFS, expands #! interpreters
// itself, and refuses what Linux refuses; an ELF binary for this machine is
// then loaded by the host: from the hostfs file the path resolved to, or from
// a host image of a file on any other filesystem (src/mm/host_image.ts). The
// ELF interpreter (PT_INTERP) is the one the guest's tree has at that path:
// when the host would find another file there, the image names the guest's.
import { Errno, E } from '../host/errno.js';
import { HostInode } from '../fs/hostfs/inode.js';
import { fdIdentity, hostFdPath, hostIdentity, imageOf, type ImageSource } from '../mm/host_image.js';
import { File, O, S_IFMT, S_IFREG } from '../fs/file.js';
import type { Location } from '../fs/namei.js';
import type { Inode } from '../fs/inode.js';
import { dPath } from '../fs/d_path.js';
import { pathNoexec } from '../fs/namespace.js';
import { mayExec, type Owned } from '../fs/permission.js';
import { bprmCreds, commitExecCreds, setAtSecure } from './exec_creds.js';
import { Native } from './syscalls/table.js';
import { execInfo } from './syscalls/info.js';
import { execTimers } from './syscalls/time.js';
import { NR } from './syscalls/names.js';
import { belowStack } from './stack_scratch.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { shmExit } from '../ipc/shm.js';
import { aioExit } from '../fs/aio.js';

const MAX_INTERP_DEPTH = 4;
const BINPRM_BUF_SIZE = 256;
const EM_X86_64 = 62;

type ExecSource = ImageSource & Pick<Inode, 'access'>;

/** owner and mntFlags: of the file loaded (the interpreter of a script), for set-id. */
interface Program { exe: string; loc: Location | null; hostPath: string; argv: string[]; filename: string; owner: Owned; mntFlags: number }

/**
 * What is executed: the inode a path resolved to or, for fexecve of a file
 * with no name (a memfd), the open file itself.
 */
function execSource(r: Location | File): { src: ExecSource; exe: string; loc: Location | null; isLink: boolean; mntFlags: number } {
  if (!(r instanceof File)) return { src: r.inode.real(), exe: r.path, loc: r, isLink: r.inode.isLink(), mntFlags: r.mnt.flags };
  const f = r;
  // /proc/PID/exe adds " (deleted)" itself when the name does not resolve.
  const exe = f.describe().replace(/ \(deleted\)$/, '');
  return { src: { getattr: () => f.stat(), open: () => f.get(), access: () => {} }, exe, loc: null, isLink: false, mntFlags: f.location?.mnt.flags ?? 0 };
}

function resolveProgram(k: Kernel, t: Task, dirfd: number, path: string, argv: string[], flags: number, depth: number): Program {
  const follow = !(flags & 0x100 /* AT_SYMLINK_NOFOLLOW */);
  const { src, exe, loc, isLink, mntFlags } = execSource(k.namei.resolveAny(t, dirfd, path, { follow, emptyOk: (flags & 0x1000) !== 0 }));
  const st = src.getattr();
  if ((st.mode & S_IFMT) !== S_IFREG) throw new Errno(isLink ? E.ELOOP : E.EACCES);
  if (loc && pathNoexec(loc)) throw new Errno(E.EACCES);   // a noexec mount
  mayExec(t.cred, st, mntFlags);
  src.access(t, 1 /* X_OK */);
  const head = readAt(t, src, 0, BINPRM_BUF_SIZE);
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    if (depth >= MAX_INTERP_DEPTH) throw new Errno(E.ELOOP);
    const { interp, arg } = parseShebang(head);
    const newArgv = [interp, ...(arg !== null ? [arg] : []), scriptName(dirfd, path), ...argv.slice(1)];
    // comm stays the script's name, as binfmt_script leaves bprm->filename.
    return { ...resolveProgram(k, t, -100, interp, newArgv, 0, depth + 1), filename: path };
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x7f454c46) {
    if (head.length < 64 || head[4] !== 2 || head.readUInt16LE(18) !== EM_X86_64) throw new Errno(E.ENOEXEC);
  } else if (head.length < 4 || head.readUInt32BE(0) !== 0x7f454c46) {
    throw new Errno(E.ENOEXEC);
  }
  return { exe, loc, hostPath: hostProgramPath(k, t, src, head), argv, filename: path, owner: st, mntFlags };
}

/** The host path the host's execve loads the ELF program src from. */
function hostProgramPath(k: Kernel, t: Task, src: ExecSource, head: Buffer): string {
  const interp = elfInterp(t, src, head);
  if (interp) {
    const iloc = k.namei.resolve(t, -100, interp.path, { follow: true });
    if ((iloc.inode.getattr().mode & S_IFMT) !== S_IFREG) throw new Errno(E.EACCES);
    const ifd = imageOf(t, iloc.inode.real());
    if (hostIdentity(interp.path) !== fdIdentity(ifd)) {
      // The host would load another interpreter: name the guest's in a copy.
      const name = Buffer.from(hostFdPath(ifd) + '\0', 'latin1');
      if (name.length > interp.len) throw new Errno(E.ENOEXEC, 'ELF interpreter field too short');
      const bytes = Buffer.alloc(interp.len);
      name.copy(bytes);
      return hostFdPath(imageOf(t, src, { at: interp.at, bytes }));
    }
  }
  return src instanceof HostInode ? src.hostPath : hostFdPath(imageOf(t, src));
}

const PT_INTERP = 3;

/** The PT_INTERP of an ELF file: its path, and where and how long the field is. */
function elfInterp(t: Task, src: ImageSource, head: Buffer): { path: string; at: number; len: number } | null {
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54), phnum = head.readUInt16LE(56);
  if (phentsize < 56 || phnum === 0 || phnum > 1024) throw new Errno(E.ENOEXEC);
  const ph = readAt(t, src, phoff, phentsize * phnum);
  if (ph.length < phentsize * phnum) throw new Errno(E.ENOEXEC);
  for (let i = 0; i < phnum; i++) {
    const p = i * phentsize;
    if (ph.readUInt32LE(p) !== PT_INTERP) continue;
    const at = Number(ph.readBigUInt64LE(p + 8)), len = Number(ph.readBigUInt64LE(p + 32));
    if (len < 2 || len > 4096) throw new Errno(E.ENOEXEC);
    const field = readAt(t, src, at, len);
    if (field.length !== len || field[len - 1] !== 0) throw new Errno(E.ENOEXEC);
    return { path: field.toString('latin1', 0, field.indexOf(0)), at, len };
  }
  return null;
}

function readAt(t: Task, src: ImageSource, at: number, len: number): Buffer {
  const f = src.open(t, O.RDONLY);
  try {
    const r = f.read(t, len, BigInt(at));
    if (r instanceof Promise) throw new Errno(E.EACCES);
    return r;
  } finally {
    f.put();
  }
}

/**
 * The name the interpreter is given for the script (bprm->filename): a path
 * relative to a directory fd, or the fd itself, goes through /dev/fd.
 */
function scriptName(dirfd: number, path: string): string {
  if (dirfd === -100 || path.startsWith('/')) return path;
  return path === '' ? `/dev/fd/${dirfd}` : `/dev/fd/${dirfd}/${path}`;
}

function parseShebang(head: Buffer): { interp: string; arg: string | null } {
  let line = head.subarray(2).toString('latin1');
  const nl = line.indexOf('\n');
  if (nl >= 0) line = line.slice(0, nl);
  else if (head.length >= BINPRM_BUF_SIZE) throw new Errno(E.ENOEXEC);
  line = line.replace(/^[ \t]+/, '').replace(/[ \t\r]+$/, '');
  if (line === '') throw new Errno(E.ENOEXEC);
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line)!;
  return { interp: m[1], arg: m[2] ?? null };
}

/** Places strings and a pointer array below the guest's stack pointer (execve discards that memory). */
function writeBelowStack(t: Task, path: string, argv: string[] | null): { path: bigint; argv: bigint | null } {
  const strings = [path, ...(argv ?? [])].map((s) => Buffer.from(s + '\0', 'latin1'));
  const total = strings.reduce((n, b) => n + b.length, 0) + (argv ? (argv.length + 1) * 8 : 0);
  let at = belowStack(t, total + 8);
  const addrs: bigint[] = [];
  const blob = Buffer.concat(strings);
  t.mem.write(at, blob);
  for (const b of strings) { addrs.push(at); at += BigInt(b.length); }
  if (!argv) return { path: addrs[0], argv: null };
  const arr = Buffer.alloc((argv.length + 1) * 8);
  addrs.slice(1).forEach((a, i) => arr.writeBigUInt64LE(a, i * 8));
  const arrAt = (at + 7n) & ~7n;
  t.mem.write(arrAt, arr);
  return { path: addrs[0], argv: arrAt };
}

export function execve(k: Kernel, t: Task, dirfd: number, pathAddr: bigint, argvAddr: bigint, envpAddr: bigint, flags: number): Native {
  const path = t.mem.readCString(pathAddr);
  const argv = t.mem.readStringArray(argvAddr);
  const envp = t.mem.readStringArray(envpAddr);
  const prog = resolveProgram(k, t, dirfd, path, argv, flags, 0);
  const cred = bprmCreds(t, prog.owner, prog.mntFlags);
  const rewritten = prog.argv !== argv;
  const where = writeBelowStack(t, prog.hostPath, rewritten ? prog.argv : null);
  const regs = t.host.regs.clone();
  regs.set('orig_rax', NR.execve);
  regs.set('rdi', where.path);
  // execveat's arguments sit one register later: the host runs a plain execve.
  regs.set('rsi', where.argv ?? argvAddr);
  regs.set('rdx', envpAddr);
  t.pendingExec = (ok) => {
    if (!ok) return;
    execCommitted(t, prog, envp);
    commitExecCreds(t, cred);
  };
  return new Native(regs, (ret, now) => {
    if (BigInt.asIntN(64, ret) < 0n) t.pendingExec = null;
    else if (cred.secure && now) setAtSecure(t, now.get('rsp'));
  });
}

/** What changes in the kernel's state once the new program is in place. */
function execCommitted(t: Task, prog: Program, envp: string[]): void {
  const g = t.group;
  if ([...t.kernel.tasks.values()].some((o) => o !== t && o.files === t.files)) t.files = t.files.clone();
  t.files.closeOnExec();
  if ([...t.kernel.tasks.values()].some((o) => o !== t && o.sighand === t.sighand)) t.sighand = t.sighand.clone();
  t.sighand.resetOnExec();
  // comm is the last component of the name the program was run by (bprm->filename).
  const base = prog.filename.slice(prog.filename.lastIndexOf('/') + 1);
  t.comm = g.comm = base.slice(0, 15);
  g.exe = prog.loc ? dPath(prog.loc, t.fs.root) : prog.exe;
  g.exeLoc = prog.loc;
  g.cmdline = prog.argv;
  g.environ = envp;
  g.didExec = true;
  shmExit(t.kernel, g);   // the old address space, its attachments and AIO contexts are gone
  aioExit(g);
  execInfo(t, false);
  execTimers(g);
  g.vforkDone?.();
}
