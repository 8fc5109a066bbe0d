#!/usr/bin/env node
// The tuml command. `tuml [PARAMS...]` boots a machine with a UML-style
// kernel command line; `tuml run [OPTIONS] [PARAMS...] -- CMD ARGS` runs one
// command as the first process of a fresh machine and exits with its status.
import { statSync } from 'node:fs';
import { run } from '../index.js';
import { mkcow } from './mkcow.js';
import { moo } from './moo.js';
import { isParamWord } from '../init/params.js';
import { parseConSpec } from '../drivers/tty/console.js';

const USAGE = `usage: tuml [PARAMS...]
       tuml run [--trace] [--smp] [--con SPEC] [--rw-host | --upper DIR] [PARAMS...] [--] CMD [ARGS...]
       tuml mkcow [-f] COW BACKING      make a UML COW file (as uml_mkcow)
       tuml moo [-d] [-b BACKING] COW [NEW]  merge a COW file (as uml_moo)
  (no command)  boot a machine: the root is the host's / (root= and the other
                parameters change that) and init is tuml's boot script, which
                sets the machine up and runs your login shell as root
  run           run CMD as pid 1 of a new machine; exit with its status. Words
                before -- are kernel parameters; without --, the first word
                that is not one starts the command
  -p [ADDR:]HOSTPORT:GUESTPORT  forward a host port to a guest TCP port (hostfwd=)
  --con SPEC    the console's channel, as UML's con=: fd:N, fd:IN,fd:OUT, null or pts
  --rw-host     the root is the host's / written through (default: the host's /
                read-only under an in-memory layer that is dropped at exit)
  --upper DIR   keep the root's writable layer in host directory DIR across runs
  --trace       print every guest system call to stderr, strace-style
  --smp         let guests use every host CPU (default: the kernel and its guests
                share one host CPU, which halves the cost of a system call)
kernel parameters (UML style):
  mem=SIZE      memory of the machine (K, M, G suffixes)
  root=DEV|DIR  the root: a block device (/dev/ubda) or a host directory (hostfs)
  rootfstype=T  its filesystem type(s), comma-separated; rootflags=OPTS its options
  ro, rw        mount the root read-only / read-write (default rw)
  init=PATH     the program to run as pid 1 (tuml, not tuml run)
  umid=NAME     the machine's name
  quiet         print only warnings and errors of the kernel; loglevel=N
  NAME=VALUE    any other: into init's environment; other words: init's arguments
`;

class UsageError extends Error {}

/** As env(1) and execvp do: a name without a slash is looked up in PATH (the guest's root is the host's /). */
function searchPath(name: string, path: string): string {
  if (name.includes('/')) return name;
  for (const dir of path.split(':')) {
    const full = `${dir || '.'}/${name}`;
    try { if (statSync(full).isFile()) return full; } catch { /* next */ }
  }
  return name;
}

interface RunArgs { trace: boolean; smp: boolean; params: string[]; cmd: string[]; con?: string; rwHost?: boolean; upper?: string }

/** `tuml run` arguments: options, then parameters up to -- (or to the first word that is none), then the command. */
export function parseRunArgs(args: string[]): RunArgs {
  const out: RunArgs = { trace: false, smp: false, params: [], cmd: [] };
  const dd = args.indexOf('--');
  const before = dd >= 0 ? args.slice(0, dd) : args;
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (w === '--trace') out.trace = true;
    else if (w === '--rw-host') out.rwHost = true;
    else if (w === '--upper' || w.startsWith('--upper=')) {
      out.upper = w === '--upper' ? before[++i] : w.slice(8);
      if (!out.upper) throw new UsageError('run: --upper needs a host directory');
    }
    else if (w === '--smp') out.smp = true;
    else if (w === '--con' || w.startsWith('--con=')) {
      const spec = w === '--con' ? before[++i] : w.slice(6);
      if (spec === undefined) throw new UsageError('run: --con needs a channel');
      try { parseConSpec(spec); } catch (e) { throw new UsageError((e as Error).message); }
      out.con = spec;
    } else if (w === '-p') {
      // Docker's -p [HOSTADDR:]HOSTPORT:GUESTPORT, as the hostfwd= parameter.
      const m = /^(?:(.+):)?(\d+):(\d+)$/.exec(before[++i] ?? '');
      if (!m) throw new UsageError('run: -p needs [HOSTADDR:]HOSTPORT:GUESTPORT');
      out.params.push(`hostfwd=tcp:${m[1] ?? ''}:${m[2]}-:${m[3]}`);
    }
    else if (w.startsWith('-')) throw new UsageError(`run: unknown option '${w}'`);
    else if (isParamWord(w)) out.params.push(w);
    else if (dd >= 0) throw new UsageError(`run: '${w}' is not a kernel parameter (the words before -- are kernel parameters)`);
    else { out.cmd = before.slice(i); return out; }
  }
  if (out.rwHost && out.upper !== undefined) throw new UsageError('run: --rw-host and --upper exclude each other');
  if (dd >= 0) out.cmd = args.slice(dd + 1);
  if (out.cmd.length === 0) throw new UsageError('run: no command given');
  return out;
}

async function main(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === '--help' || sub === '-h') { process.stdout.write(USAGE); return 0; }
  if (sub === 'mkcow') return mkcow(argv.slice(1));
  if (sub === 'moo') return moo(argv.slice(1));
  if (sub === 'run') {
    const a = parseRunArgs(argv.slice(1));
    const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
    const cmd = [...a.cmd];
    cmd[0] = searchPath(cmd[0], process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin');
    const r = await run({ init: cmd[0], argv: cmd, envp: env, cwd: process.cwd(), cmdline: a.params, trace: a.trace, smp: a.smp, console: a.con, rwHost: a.rwHost, upper: a.upper });
    return r.exitCode;
  }
  // Booting: every word is a kernel parameter; unclaimed ones go to init, as Linux does.
  const dd = argv.indexOf('--');
  const bad = (dd < 0 ? argv : argv.slice(0, dd)).find((w) => w.startsWith('-'));
  if (bad) throw new UsageError(`unknown option '${bad}'`);
  // The boot script's shell gets the user's terminal type and shell.
  const envp = ['TERM', 'SHELL', 'LANG'].filter((n) => process.env[n]).map((n) => `${n}=${process.env[n]}`);
  const r = await run({ cmdline: argv, envp });
  return r.exitCode;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`tuml: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`tuml: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
