// Helpers of the ext2 tests: images made by the host's e2fsprogs, mounted
// through the kernel's ext2 (dist/fs/ext2) over a host-file block device,
// and manifests of a tree (types, modes, owners, sizes, link targets,
// sha256 of contents) taken the same way from the host and from the image.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FileBdev } from './bdev.js';
import { getFilesystem } from '../../dist/fs/filesystems.js';
import '../../dist/fs/ext2/super.js';
import { Cred } from '../../dist/kernel/cred.js';
import { RLIM_INFINITY } from '../../dist/kernel/rlimit.js';

export function sh(cmd, opts = {}) {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function must(cmd) {
  const r = sh(cmd);
  if (r.status !== 0) throw new Error(`${cmd}: ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A task as the ext2 code sees one: credentials and resource limits. */
export function fakeTask(uid = 0, gid = 0) {
  const cred = new Cred();
  cred.uid = cred.euid = cred.fsuid = uid;
  cred.gid = cred.egid = cred.fsgid = gid;
  if (uid !== 0) { cred.capEffective = 0n; cred.capPermitted = 0n; }
  return { cred, pid: 1, group: { rlimits: { cur: new Array(16).fill(RLIM_INFINITY) } }, kernel: null };
}

export function mount(img, { type = 'ext2', ro = false, data = '', readOnlyDev = false } = {}) {
  const bdev = new FileBdev(img, { readOnly: readOnlyDev });
  try {
    const sb = getFilesystem(type).mount({ kernel: null, task: null, source: '/dev/ubdb', flags: ro ? 1 : 0, data, bdev });
    return { sb, bdev, umount() { sb.kill(); bdev.close(); } };
  } catch (e) {
    bdev.close();
    throw e;
  }
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const TYPES = { 0o100000: 'file', 0o040000: 'dir', 0o120000: 'link', 0o020000: 'chr', 0o060000: 'blk', 0o010000: 'fifo', 0o140000: 'sock' };

function hostHash(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The manifest of a host directory. */
export function hostManifest(root) {
  const out = {};
  const walk = (p, rel) => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name), r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(full, { bigint: true });
      const type = TYPES[Number(st.mode) & 0o170000];
      const e = { type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), nlink: Number(st.nlink) };
      if (type === 'file') { e.size = Number(st.size); e.sha = hostHash(full); }
      if (type === 'link') e.target = readlinkSync(full);
      if (type === 'chr' || type === 'blk') e.rdev = String(st.rdev);
      out[r] = e;
      if (type === 'dir') walk(full, r);
    }
  };
  walk(root, '');
  return out;
}

/** Reads a whole file through the kernel's File API. */
export function readAll(inode, task = fakeTask()) {
  const f = inode.open(task, 0);
  const parts = [];
  for (;;) {
    const b = f.read(task, 1 << 20, null);
    if (b.length === 0) break;
    parts.push(b);
  }
  f.put();
  return Buffer.concat(parts);
}

/** sha256 of a file's contents read through the kernel's File API. */
export function hashFile(inode, task = fakeTask()) {
  const f = inode.open(task, 0);
  const h = createHash('sha256');
  for (;;) {
    const b = f.read(task, 4 << 20, null);
    if (b.length === 0) break;
    h.update(b);
  }
  f.put();
  return h.digest('hex');
}

/** The names of a directory through getdents64. */
export function listDir(inode, task = fakeTask()) {
  const f = inode.open(task, 0o200000);
  const names = [];
  for (;;) {
    const b = f.getdents(4096);
    if (b.length === 0) break;
    for (let off = 0; off < b.length;) {
      const reclen = b.readUInt16LE(off + 16);
      const end = b.indexOf(0, off + 19);
      names.push({ name: b.toString('latin1', off + 19, end), ino: Number(b.readBigUInt64LE(off)), type: b[off + 18], off: b.readBigInt64LE(off + 8) });
      off += reclen;
    }
  }
  f.put();
  return names;
}

/** The manifest of a mounted image (the same fields as hostManifest). */
export function imageManifest(root) {
  const out = {};
  const walk = (dir, rel) => {
    const names = listDir(dir).map((e) => e.name).filter((n) => n !== '.' && n !== '..' && !(rel === '' && n === 'lost+found')).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const inode = dir.lookup(name);
      const st = inode.getattr();
      const type = TYPES[st.mode & 0o170000];
      const e = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, nlink: Number(st.nlink) };
      if (type === 'file') { e.size = Number(st.size); e.sha = hashFile(inode); }
      if (type === 'link') e.target = inode.readlink();
      if (type === 'chr' || type === 'blk') e.rdev = String(st.rdev);
      out[r] = e;
      if (type === 'dir') walk(inode, r);
    }
  };
  walk(root, '');
  return out;
}

/** The directory inode holding path's last component, and that name. */
export function parentOf(root, path) {
  const parts = path.split('/');
  const name = parts.pop();
  let dir = root;
  for (const p of parts) dir = dir.lookup(p);
  return { dir, name };
}

export function lookupPath(root, path) {
  const { dir, name } = parentOf(root, path);
  return dir.lookup(name);
}

/** Writes data to a new file through the kernel's API, in chunks as cp would. */
export function writeFile(root, path, data, mode = 0o644, task = fakeTask()) {
  const { dir, name } = parentOf(root, path);
  const f = dir.create(task, name, mode, 0o1101);
  for (let off = 0; off < data.length; off += 65536) f.write(task, data.subarray(off, off + 65536), null);
  f.put();
}

/** Copies a host tree into a mounted image through the kernel's API (owners, modes, hard links kept). */
export function copyTree(hostDir, root, task = fakeTask()) {
  const seen = new Map();
  const walk = (p, dir) => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name);
      const st = lstatSync(full);
      const type = st.mode & 0o170000;
      if (type !== 0o040000 && st.nlink > 1 && seen.has(st.ino)) {
        dir.link(task, seen.get(st.ino), name);
        continue;
      }
      if (type === 0o040000) dir.mkdir(task, name, st.mode & 0o7777);
      else if (type === 0o100000) writeFile(dir, name, readFileSync(full), st.mode & 0o7777, task);
      else if (type === 0o120000) dir.symlink(task, readlinkSync(full), name);
      else dir.mknod(task, name, st.mode, BigInt(st.rdev));
      const inode = dir.lookup(name);
      inode.setattr(task, { uid: st.uid, gid: st.gid, ...(type === 0o120000 ? {} : { mode: st.mode & 0o7777 }) });
      if (st.nlink > 1) seen.set(st.ino, inode);
      if (type === 0o040000) walk(full, inode);
    }
  };
  walk(hostDir, root);
}

export function e2fsck(img, flags = '-fn') {
  return sh(`e2fsck ${flags} ${img} 2>&1`);
}
