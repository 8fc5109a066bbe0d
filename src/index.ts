// The embeddable API: boot a machine and run a command in it from any Node program.
import './kernel/syscalls/index.js';
import { Kernel, type BootOptions } from './kernel/kernel.js';
import { E, strerror } from './host/errno.js';

export { Kernel, type BootOptions };

export interface RunResult { status: number; exitCode: number }

/** The shell's view of a wait status: the exit code, or 128+N for death by signal N. */
export function exitCodeOf(status: number): number {
  if ((status & 0x7f) === 0) return (status >> 8) & 0xff;
  return 128 + (status & 0x7f);
}

/** Boots a machine that runs one program as pid 1 and resolves when it exits. */
export async function run(opts: BootOptions): Promise<RunResult> {
  const k = new Kernel();
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    k.boot(opts);
    const status = await k.finished;
    const err = k.initExecError;
    if (err) {
      process.stderr.write(`tuml: '${err.path}': ${strerror(err.errno)}\n`);
      return { status, exitCode: err.errno === E.ENOENT ? 127 : 126 };
    }
    return { status, exitCode: exitCodeOf(status) };
  } finally {
    clearInterval(keepAlive);
    k.shutdown();
  }
}
