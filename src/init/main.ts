// Booting (init/main.c: start_kernel's parameter handling, kernel_init): the
// command line is parsed and each claimed parameter's handler runs in order,
// before devices and the root are set up; then the root is mounted
// (do_mounts.ts) and the first process is chosen.
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UTS_RELEASE, UTS_VERSION, type Kernel, type BootOptions } from '../kernel/kernel.js';
import type { Location } from '../fs/mount.js';
import { KERN, CONSOLE_LOGLEVEL_QUIET, CONSOLE_LOGLEVEL_DEFAULT } from '../kernel/printk.js';
import { parseCmdline, runLateInitcalls, setupParam } from './params.js';
import { prepareNamespace, mountKernelFilesystems } from './do_mounts.js';
import { HostSuperBlock } from '../fs/hostfs/inode.js';
import { isDefaultRoot } from '../fs/overlayfs/hostroot.js';

/** What the command line sets. */
export interface BootParams {
  /** root=: a block device (/dev/ubda, 98:0) or, for hostfs, a host directory. */
  root: string | null;
  rootfstype: string | null;
  rootflags: string;
  /** ro / rw: the root's first mount is read-only. */
  rootReadOnly: boolean;
  /** init=: the program to run as pid 1. */
  init: string | null;
  /** mem=: the machine's memory in bytes (MemTotal); 0 without mem= (the host's memory shows). */
  memBytes: number;
  /** umid=: the machine's name (UML's unique machine id). */
  umid: string | null;
  quiet: boolean;
  loglevel: number | null;
}

export function defaultBootParams(): BootParams {
  return {
    root: null, rootfstype: null, rootflags: '', rootReadOnly: false, init: null,
    memBytes: 0, umid: null, quiet: false, loglevel: null,
  };
}

/** memparse(): a size with an optional K, M, G, T suffix. */
export function memparse(s: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([kmgt]?)$/i.exec(s);
  if (!m) throw new Error(`'${s}' is not a size (a number with an optional K, M, G or T suffix)`);
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * 2 ** shift;
}

function nonEmpty(name: string, v: string): string {
  if (v === '') throw new Error(`${name}= needs a value`);
  return v;
}

setupParam('root', (v, k) => { k.params.root = nonEmpty('root', v); });
setupParam('rootfstype', (v, k) => { k.params.rootfstype = nonEmpty('rootfstype', v); });
setupParam('rootflags', (v, k) => { k.params.rootflags = v; });
setupParam('ro', (v, k) => { bare('ro', v); k.params.rootReadOnly = true; });
setupParam('rw', (v, k) => { bare('rw', v); k.params.rootReadOnly = false; });
setupParam('init', (v, k) => {
  if (!v.startsWith('/')) throw new Error(`init=${v}: the program must be an absolute path`);
  k.params.init = v;
});
setupParam('mem', (v, k) => {
  const n = memparse(nonEmpty('mem', v));
  if (n < 16 * 1024 * 1024) throw new Error(`mem=${v}: at least 16M`);
  k.params.memBytes = n;
});
setupParam('umid', (v, k) => {
  if (!/^[A-Za-z0-9._-]{1,63}$/.test(v)) throw new Error(`umid=${v}: letters, digits, '.', '_' and '-' only (at most 63)`);
  k.params.umid = v;
});
setupParam('quiet', (v, k) => { bare('quiet', v); k.params.quiet = true; });
setupParam('debug', (v, k) => { bare('debug', v); k.params.loglevel = 10; });
setupParam('loglevel', (v, k) => {
  if (!/^\d+$/.test(v)) throw new Error(`loglevel=${v}: a number from 0 to 15`);
  k.params.loglevel = Number(v);
});

function bare(name: string, v: string): void {
  if (v !== '') throw new Error(`${name} takes no value`);
}

/** What kernel_init starts as pid 1, where, and from which root. */
export interface InitProcess { path: string; argv: string[]; envp: string[]; root: Location; cwd: Location }

/** tuml's boot script, run as init when the root is the host's own /. */
export const BOOT_SCRIPT = fileURLToPath(new URL('../../share/tuml-init.sh', import.meta.url));

/**
 * start_kernel and kernel_init up to the first process: the parameters, the
 * banner, the root, the kernel's own mounts in the run mode, and which
 * program runs as init with what argv and environment.
 */
export function startKernel(k: Kernel, opts: BootOptions): InitProcess {
  const words = opts.cmdline ?? [];
  k.cmdline = words.join(' ');
  const parsed = parseCmdline(words);
  for (const c of parsed.claimed) {
    try {
      c.fn(c.value, k, c.key);
    } catch (e) {
      throw new Error(`bad kernel parameter '${c.value === '' && !words.includes(`${c.key}=`) ? c.key : `${c.key}=${c.value}`}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const p = k.params;
  // `tuml run` is quiet unless asked (its output is the command's); a booting machine tells its story.
  const runMode = opts.init !== undefined;
  k.log.consoleLoglevel = p.loglevel ?? (p.quiet ? CONSOLE_LOGLEVEL_QUIET : opts.loglevel ?? (runMode ? CONSOLE_LOGLEVEL_QUIET : CONSOLE_LOGLEVEL_DEFAULT));
  // A terminal gets "\r\n", as a console driver writes (uart_console_write):
  // while the console has it in raw mode a bare "\n" would not return the carriage.
  const crlf = process.stderr.isTTY === true;
  k.log.console = (line) => process.stderr.write(crlf ? line.replace(/\n/g, '\r\n') : line);
  k.log.printk(KERN.NOTICE, `Linux version ${UTS_RELEASE} (tuml) ${UTS_VERSION}`);
  k.log.printk(KERN.NOTICE, `Kernel command line: ${k.cmdline}`);
  k.log.printk(KERN.INFO, `Memory: ${Math.floor((p.memBytes || totalmem()) / 1024)}K available`);
  if (p.umid) k.log.printk(KERN.INFO, `umid: ${p.umid}`);
  // Drivers that set up devices from their parameters (ubd disks) before the root is mounted.
  runLateInitcalls(k);

  const hostRoot = opts.hostRoot ?? '/';
  const root = prepareNamespace(k, hostRoot, { rwHost: opts.rwHost, upper: opts.upper });
  if (runMode) mountKernelFilesystems(k, root);

  let cwd = root;
  if (runMode && opts.cwd) {
    try { cwd = k.namei.kernPath(opts.cwd, root); } catch { /* stays at / */ }
  }
  if (runMode) {
    return { path: opts.init!, argv: [...(opts.argv ?? [opts.init!]), ...parsed.initArgs], envp: [...(opts.envp ?? []), ...parsed.initEnv], root, cwd };
  }
  const path = p.init ?? defaultInit(k, root);
  k.log.printk(KERN.INFO, `Run ${path} as init process`);
  // Linux starts init with HOME=/ and TERM=linux; the caller's words and the command line's come after.
  const envp = mergeEnv(['HOME=/', 'TERM=linux'], opts.envp ?? [], parsed.initEnv);
  return { path, argv: [path, ...parsed.initArgs], envp, root, cwd };
}

/** The environment with later NAME=VALUE words replacing earlier ones. */
function mergeEnv(...lists: string[][]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const w of l) m.set(w.slice(0, w.indexOf('=')), w);
  return [...m.values()];
}

/**
 * Without init=: tuml's boot script when the root is the host's / through
 * hostfs (it sets up the machine and runs the user's shell), else the
 * programs Linux tries, in its order.
 */
function defaultInit(k: Kernel, root: Location): string {
  // The host's / as the root (written through, or under the default overlay): tuml's boot script is there.
  const hostSlash = (root.mnt.sb instanceof HostSuperBlock && root.mnt.sb.hostRoot === '/') || isDefaultRoot(root.mnt.sb);
  if (hostSlash && existsSync(BOOT_SCRIPT)) return BOOT_SCRIPT;
  for (const p of ['/sbin/init', '/etc/init', '/bin/init', '/bin/sh']) {
    try {
      const loc = k.namei.kernPath(p, root);
      if (!loc.inode.isDir()) return p;
    } catch { /* the next one */ }
  }
  throw new Error('No working init found. Try passing init= option to kernel.');
}

export { CONSOLE_LOGLEVEL_DEFAULT };
