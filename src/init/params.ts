// Kernel parameters (init/main.c: __setup() and unknown_bootoption()): each
// subsystem claims the words of the command line it understands, as UML's
// drivers do with ubd0=, con=, hostfs=. Words nobody claims go to init, as
// Linux does: NAME=VALUE into its environment, anything else into its argv.
import type { Kernel } from '../kernel/kernel.js';

/**
 * Called at boot with the text after "name=" (or "" for a bare word) and, for
 * a prefix parameter, the rest of the key (ubd0=... gives key "ubd0"). Throw
 * an Error with a message for a bad value: boot stops with it.
 */
export type ParamHandler = (value: string, kernel: Kernel, key: string) => void;

interface Param { name: string; prefix: boolean; fn: ParamHandler }
const params: Param[] = [];

/** __setup(name, fn). With prefix, name also claims name<anything>= (ubd0=, con1=). */
export function setupParam(name: string, fn: ParamHandler, opts: { prefix?: boolean } = {}): void {
  params.push({ name, prefix: opts.prefix ?? false, fn });
}

export interface ParsedCmdline {
  /** Claimed words with their handlers, in command-line order. */
  claimed: { key: string; value: string; fn: ParamHandler }[];
  initArgs: string[];
  initEnv: string[];
}

function find(key: string): Param | undefined {
  return params.find((p) => p.name === key) ?? params.find((p) => p.prefix && key.startsWith(p.name));
}

export function parseCmdline(words: string[]): ParsedCmdline {
  const out: ParsedCmdline = { claimed: [], initArgs: [], initEnv: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    // Everything after "--" is init's, untouched (Linux's parse_args stops there).
    if (w === '--') { out.initArgs.push(...words.slice(i + 1)); break; }
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    const value = eq < 0 ? '' : w.slice(eq + 1);
    const p = find(key);
    if (p) out.claimed.push({ key, value, fn: p.fn });
    else if (eq > 0) out.initEnv.push(w);
    else out.initArgs.push(w);
  }
  return out;
}

/** Whether a word looks like a kernel parameter (for the CLI, before "--"). */
export function isParamWord(w: string): boolean {
  const eq = w.indexOf('=');
  return find(eq < 0 ? w : w.slice(0, eq)) !== undefined || eq > 0;
}

/**
 * Work a subsystem does once every parameter is parsed and before the first
 * process runs (late_initcall): ubd opens its disks there, so that a bad word
 * anywhere on the command line stops the boot before any file is written.
 */
const lateInitcalls: ((kernel: Kernel) => void)[] = [];
export function lateInitcall(fn: (kernel: Kernel) => void): void { lateInitcalls.push(fn); }
export function runLateInitcalls(kernel: Kernel): void { for (const fn of lateInitcalls) fn(kernel); }

/** Work undone at shutdown (__exitcall): ubd closes its images and unlocks them. */
const exitcalls: (() => void)[] = [];
export function exitcall(fn: () => void): void { exitcalls.push(fn); }
export function runExitcalls(): void { for (const fn of exitcalls) fn(); }
