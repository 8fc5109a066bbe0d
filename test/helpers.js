// Shared helpers for the tests: run a command inside tuml (as the current
// user or as an unprivileged host user) and natively.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TUML = join(ROOT, 'dist/cli/main.js');
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
export const isRoot = process.getuid?.() === 0;

/** A scratch directory that the unprivileged user can use too. */
export function scratch(prefix = 'tuml-test-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o777);
  return d;
}

/**
 * Runs argv inside tuml; as: 'self' or 'nobody' (only when the tests run as
 * root). The guest's root is the host's / written through (rwHost, on by
 * default here: tests check from the host what guests wrote in scratch
 * directories); rwHost: false gives tuml's own default, the host's /
 * read-only under an in-memory layer, and upper: DIR keeps that layer in DIR.
 */
export function tuml(argv, { as = 'self', input, cwd, timeout = 60000, trace = false, env, rwHost = true, upper, args: extra = [] } = {}) {
  const pre = as === 'nobody' ? NOBODY : [];
  const root = upper !== undefined ? ['--upper', upper] : rwHost ? ['--rw-host'] : [];
  const args = [...pre, process.execPath, TUML, 'run', ...(trace ? ['--trace'] : []), ...root, ...extra, '--', ...argv];
  const r = spawnSync(args[0], args.slice(1), { input, cwd, timeout, encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

export function native(argv, { input, cwd, timeout = 60000, env } = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { input, cwd, timeout, encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** The users to run guests as: the current one, and nobody when we are root. */
export const USERS = isRoot ? ['self', 'nobody'] : ['self'];
