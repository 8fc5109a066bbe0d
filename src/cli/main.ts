#!/usr/bin/env node
// The tuml command. `tuml run [--trace] -- CMD ARGS` runs one command in a
// fresh machine whose root is the host's / and exits with its status;
// `tuml` alone runs a login shell in one.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { run } from '../index.js';

const USAGE = `usage: tuml [run [--trace] [--smp] [--rw-host | --upper DIR] [--] CMD [ARGS...]]
  run       run CMD as the first process of a new machine; exit with its status
  --rw-host the root is the host's / written through (default: the host's /
            read-only under an in-memory layer that is dropped at exit)
  --upper DIR  keep the root's writable layer in host directory DIR across runs
  --trace   print every guest system call to stderr, strace-style
  --smp     let guests use every host CPU (default: the kernel and its guests
            share one host CPU, which halves the cost of a system call)
`;

function fail(msg: string): never {
  process.stderr.write(`tuml: ${msg}\n${USAGE}`);
  process.exit(2);
}

/** As env(1) and execvp do: a name without a slash is looked up in PATH (the guest's root is the host's /). */
function searchPath(name: string, path: string): string {
  if (name.includes('/')) return name;
  for (const dir of path.split(':')) {
    const full = `${dir || '.'}/${name}`;
    try { if (statSync(full).isFile()) return full; } catch { /* next */ }
  }
  return name;
}

async function main(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === '--help' || sub === '-h') { process.stdout.write(USAGE); return 0; }
  let cmd: string[];
  let trace = false;
  let smp = false;
  let rwHost = false;
  let upper: string | undefined;
  if (sub === 'run') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1), allowPositionals: true, strict: true,
      options: {
        trace: { type: 'boolean', default: false }, smp: { type: 'boolean', default: false },
        'rw-host': { type: 'boolean', default: false }, upper: { type: 'string' },
      },
    });
    trace = values.trace ?? false;
    smp = values.smp ?? false;
    rwHost = values['rw-host'] ?? false;
    upper = values.upper;
    if (rwHost && upper !== undefined) fail('--rw-host and --upper exclude each other');
    cmd = positionals;
    if (cmd.length === 0) fail('run: no command given');
  } else if (sub === undefined) {
    cmd = [process.env.SHELL || '/bin/sh', '-l'];
  } else {
    fail(`unknown command '${sub}'`);
  }
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  cmd[0] = searchPath(cmd[0], process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin');
  const r = await run({ init: cmd[0], argv: cmd, envp: env, hostRoot: '/', rwHost, upper, cwd: process.cwd(), trace, smp });
  return r.exitCode;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`tuml: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
