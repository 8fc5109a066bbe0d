// The default root of a machine (init/do_mounts.c's job for tuml): the host's
// tree read-only underneath, with a writable layer on top, so that nothing
// the guest does changes the host unless asked:
//   (default)        upper layer in memory, gone when the machine stops
//   --upper DIR      upper layer kept in host directory DIR across runs
//                    (DIR/upper, DIR/work; owners and modes in hostfs's
//                    metadata store), kernel parameter overlay.upper=DIR
//   --rw-host        the host's tree itself, written through (hostfs), as
//                    tuml did before; kernel parameter rwhost
import { mkdirSync, statSync, accessSync, readFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Cred } from '../../kernel/cred.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { setupParam } from '../../init/params.js';
import { HostSuperBlock } from '../hostfs/inode.js';
import { MetaStore } from '../hostfs/meta.js';
import { hostfsDir } from '../hostfs/fs_type.js';
import type { Inode, SuperBlock } from '../inode.js';
import { O } from '../file.js';
import { guestResolvConf } from '../../net/ipv4/slirp_dns.js';
import { anonDev } from '../filesystems.js';
import { OvlSuperBlock } from './super.js';
import { shmemMount } from '../../mm/shmem.js';

export interface RootOptions {
  /** Host directory that is the guest's tree (normally /). */
  hostRoot: string;
  /** Write through to the host (no overlay). */
  rwHost?: boolean;
  /** Host directory that keeps the upper layer across runs. */
  upper?: string;
}

/** What the kernel parameters (rwhost, overlay.upper=) asked for, per machine. */
const fromParams = new WeakMap<Kernel, { rwHost?: boolean; upper?: string }>();
const paramsOf = (k: Kernel) => { let p = fromParams.get(k); if (!p) fromParams.set(k, p = {}); return p; };
setupParam('rwhost', (_v, k) => { paramsOf(k).rwHost = true; });
setupParam('overlay.upper', (v, k) => {
  if (v === '') throw new Error('overlay.upper= needs a host directory');
  paramsOf(k).upper = v;
});

/**
 * The kernel's own credentials for work done at boot, before there is any
 * task (Linux's init_cred): the filesystems' operations take a task for its
 * credentials only.
 */
export function kernelTask(k: Kernel): Task {
  return { cred: new Cred(), kernel: k } as unknown as Task;
}

/** The superblock of the machine's root, as the options and kernel parameters say. */
export function makeRootSuperBlock(k: Kernel, opts: RootOptions): SuperBlock {
  const p = fromParams.get(k) ?? {};
  const rwHost = opts.rwHost || p.rwHost;
  const upperDir = opts.upper ?? p.upper;
  if (rwHost && upperDir) throw new Error('--rw-host and --upper exclude each other');
  // hostfs=DIR confines the root's host tree too, as UML's hostfs root.
  const host = new HostSuperBlock(hostfsDir(k, opts.hostRoot), 0x1en, 'none');
  if (rwHost) return host;
  const task = kernelTask(k);
  if (upperDir) {
    const dir = persistentUpper(upperDir);
    // The layer keeps the guest's owners, modes and device nodes in a metadata store.
    const layer = new HostSuperBlock(dir, anonDev(), 'none', new MetaStore(dir));
    return remember(opts, new OvlSuperBlock(task, {
      lowers: [host.root], upper: layer.root.lookup('upper'), work: layer.root.lookup('work'), source: 'overlay',
      optionText: `lowerdir=${opts.hostRoot},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`,
    }));
  }
  // In memory: a tmpfs of its own (not mounted anywhere), gone with the machine.
  const tmp = shmemMount({ task: null, source: 'tmpfs', data: 'mode=755' });
  tmp.root.mkdir(task, 'upper', 0o755);
  tmp.root.mkdir(task, 'work', 0o700);
  if (opts.hostRoot === '/') guestEtc(task, tmp.root.lookup('upper'));
  return remember(opts, new OvlSuperBlock(task, {
    lowers: [host.root], upper: tmp.root.lookup('upper'), work: tmp.root.lookup('work'), source: 'overlay',
    optionText: `lowerdir=${opts.hostRoot},upperdir=tmpfs:/upper,workdir=tmpfs:/work`,
  }));
}

/**
 * The files of /etc that the guest needs its own of, made in the in-memory
 * layer over the host's / at boot:
 * - resolv.conf for the guest network (guestResolvConf), as if the guest's
 *   DHCP client had written it;
 * - shadow and gshadow when the host user may not read the host's (it is not
 *   root): made from passwd and group with every password locked ("*"), as a
 *   container image has them, so that useradd, groupadd and passwd work in
 *   the guest. The host's password hashes stay out of the guest either way.
 */
function guestEtc(task: Task, upper: Inode): void {
  let etc;
  try { etc = statSync('/etc'); } catch { return; }
  upper.mkdir(task, 'etc', etc.mode & 0o7777);
  const dir = upper.lookup('etc');
  dir.setattr(task, { uid: etc.uid, gid: etc.gid });
  const put = (name: string, text: string, like: { mode: number; uid: number; gid: number } | null) => {
    const f = dir.create(task, name, like ? like.mode & 0o7777 : 0o644, O.WRONLY);
    try { f.write(task, Buffer.from(text), 0n); } finally { f.put(); }
    if (like) dir.lookup(name).setattr(task, { uid: like.uid, gid: like.gid });
  };
  put('resolv.conf', guestResolvConf(hostText('/etc/resolv.conf') ?? ''), null);
  const day = Math.floor(Date.now() / 86400000);
  const lockedShadow = (src: string, line: (f: string[]) => string) => (hostText(src) ?? '').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => line(l.split(':'))).join('');
  for (const [name, src, line] of [
    ['shadow', '/etc/passwd', (f: string[]) => `${f[0]}:*:${day}:0:99999:7:::\n`],
    ['gshadow', '/etc/group', (f: string[]) => `${f[0]}:*::${f[3] ?? ''}\n`],
  ] as const) {
    const path = `/etc/${name}`;
    let st;
    try { st = statSync(path); } catch { continue; }
    try { accessSync(path, constants.R_OK); continue; } catch { /* unreadable: the guest gets its own */ }
    put(name, lockedShadow(src, line), st);
  }
}

/** A host file's text, or null when the host user cannot read it. */
function hostText(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch { return null; }
}

function remember(opts: RootOptions, sb: SuperBlock): SuperBlock {
  if (opts.hostRoot === '/') defaultRoots.add(sb);
  return sb;
}

function checkDir(dir: string): void {
  let st;
  try { st = statSync(dir); } catch (e) { throw new Error(`upper layer ${dir}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`); }
  if (!st.isDirectory()) throw new Error(`upper layer ${dir}: not a directory`);
  try { accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK); } catch {
    throw new Error(`upper layer ${dir}: permission denied (the host user must be able to write it)`);
  }
}

/** A host directory that outlives the machine, with its upper/ and work/. */
function persistentUpper(dir: string): string {
  checkDir(dir);
  for (const sub of ['upper', 'work']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  return dir;
}

const defaultRoots = new WeakSet<SuperBlock>();
/** Whether sb is a default root made here over the host's / (the boot script applies to it). */
export function isDefaultRoot(sb: SuperBlock): boolean { return defaultRoots.has(sb); }
