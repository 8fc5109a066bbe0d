// Helpers for the block device tests: tuml with kernel parameters, device
// nodes in a scratch directory, checksums.
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TUML, NOBODY } from './helpers.js';

/** Runs `tuml run PARAMS -- ARGV`. */
export function tumlp(params, argv, { as = 'self', input, cwd, timeout = 120000 } = {}) {
  const pre = as === 'nobody' ? NOBODY : [];
  const args = [...pre, process.execPath, TUML, 'run', '--rw-host', ...params, '--', ...argv];
  const r = spawnSync(args[0], args.slice(1), { input, cwd, timeout, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a tuml subcommand (mkcow, moo). */
export function tumlCmd(args, opts = {}) {
  const r = spawnSync(process.execPath, [TUML, ...args], { encoding: 'utf8', ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A block device node in dir (made on the host, world-usable), until
 * devtmpfs gives the guest /dev/ubdX: a node on any filesystem opens the
 * kernel's driver for its number.
 */
export function blockNode(dir, name, major, minor) {
  const p = join(dir, name);
  if (!existsSync(p)) execFileSync('mknod', ['-m', '666', p, 'b', String(major), String(minor)]);
  return p;
}

/** /dev/ubd<letter> of unit n, as a node in dir. */
export const ubdNode = (dir, n) => blockNode(dir, `ubd${String.fromCharCode(97 + n)}`, 98, n * 16);

export const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A python3 program run inside the guest. */
export const py = (code) => ['/usr/bin/python3', '-c', code];
