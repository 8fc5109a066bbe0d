// The hostfs metadata store (UML's humfs idea): what a guest sets on host
// files that the host user cannot make real (owners, modes with setuid bits,
// device nodes, xattrs of any namespace) is kept in a side file at the root
// of the hostfs directory, so a guest that builds a root filesystem on a host
// directory keeps its owners across runs. Format: docs/internals/hostfs.md.
//
// The store is one text file, DIR/.tuml-meta: a header line, then records,
// one per line, applied in order. Changes are appended (one write of one
// line); when the file holds many more records than there are entries, it is
// rewritten (a new file, fsync, rename over the old one), so a crash at any
// point leaves either the old or the new file, and at worst loses a torn last
// line, which loading ignores.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const META_FILE = '.tuml-meta';
const HEADER = '# tuml hostfs metadata v1';

/** What the guest sees instead of the host's own attributes. */
export interface MetaEntry {
  uid?: number;
  gid?: number;
  /** st_mode with its type: a device node or FIFO is an empty regular file on the host. */
  mode?: number;
  rdev?: bigint;
  /** xattrs kept in the store (any namespace). */
  xattrs?: Map<string, Buffer>;
}

/** Paths (relative, "/"-separated) and names are %-encoded: no spaces, newlines or non-ASCII in a record. */
function enc(s: string): string {
  return s.replace(/[^\x21-\x7e]|%/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}
function dec(s: string): string {
  return s.replace(/%([0-9a-f]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
}

export class MetaStore {
  private readonly entries = new Map<string, MetaEntry>();
  private readonly file: string;
  private fd = -1;
  private records = 0;

  constructor(readonly dir: string) {
    this.file = join(dir, META_FILE);
    if (existsSync(this.file)) this.load(readFileSync(this.file, 'latin1'));
    if (this.records > 2 * this.entries.size + 1000 || !existsSync(this.file)) this.compact();
  }

  get(path: string): MetaEntry | undefined { return this.entries.get(path); }

  private load(text: string): void {
    const lines = text.split('\n');
    if (lines[0] !== HEADER) throw new Error(`${this.file}: not a tuml metadata store (first line "${lines[0].slice(0, 40)}")`);
    // The last piece has no newline: empty, or a record torn by a crash.
    for (const line of lines.slice(1, -1)) {
      if (line === '' || line.startsWith('#')) continue;
      this.apply(line.split(' '));
      this.records++;
    }
  }

  private apply(f: string[]): void {
    const path = dec(f[1] ?? '');
    switch (f[0]) {
      case 'a': {
        const e = this.entries.get(path) ?? {};
        const num = (s: string) => (s === '-' ? undefined : parseInt(s, s.startsWith('0') ? 8 : 10));
        e.uid = num(f[2]); e.gid = num(f[3]); e.mode = num(f[4]);
        e.rdev = f[5] === '-' ? undefined : BigInt(f[5]);
        this.entries.set(path, e);
        break;
      }
      case 'x': {
        const e = this.entries.get(path) ?? {};
        (e.xattrs ??= new Map()).set(dec(f[2]), Buffer.from(f[3] ?? '', 'hex'));
        this.entries.set(path, e);
        break;
      }
      case 'X': this.entries.get(path)?.xattrs?.delete(dec(f[2])); break;
      case 'd': this.forgetTree(path); break;
      case 'r': this.moveTree(path, dec(f[2])); break;
      case 'l': { const e = this.entries.get(path); if (e) this.entries.set(dec(f[2]), clone(e)); break; }
      default: break;   // a record of a later version: ignored
    }
  }

  private forgetTree(path: string): void {
    this.entries.delete(path);
    const pre = path + '/';
    for (const k of this.entries.keys()) if (k.startsWith(pre)) this.entries.delete(k);
  }

  private moveTree(from: string, to: string): void {
    this.forgetTree(to);
    const moved: [string, MetaEntry][] = [];
    const pre = from + '/';
    for (const [k, v] of this.entries) if (k === from || k.startsWith(pre)) moved.push([k, v]);
    for (const [k, v] of moved) { this.entries.delete(k); this.entries.set(to + k.slice(from.length), v); }
  }

  /** Applies a record and appends it to the file. */
  private log(f: string[]): void {
    this.apply(f);
    const line = f.map((x, i) => (i === 0 ? x : x)).join(' ') + '\n';
    if (this.fd < 0) this.fd = openSync(this.file, 'a');
    writeSync(this.fd, line, null, 'latin1');
    if (++this.records > 2 * this.entries.size + 1000) this.compact();
  }

  /** Writes all entries to a new file and renames it over the store. */
  compact(): void {
    const out: string[] = [HEADER];
    for (const [p, e] of this.entries) {
      if (e.uid !== undefined || e.gid !== undefined || e.mode !== undefined || e.rdev !== undefined) out.push(attrRecord(p, e).join(' '));
      for (const [n, v] of e.xattrs ?? []) out.push(['x', enc(p), enc(n), v.toString('hex')].join(' '));
    }
    const tmp = this.file + '.new';
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, out.join('\n') + '\n', null, 'latin1');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.records = out.length - 1;
  }

  setAttrs(path: string, a: { uid?: number; gid?: number; mode?: number; rdev?: bigint }): void {
    const e = this.entries.get(path) ?? {};
    this.log(attrRecord(path, { ...e, ...defined(a) }));
  }
  setXattr(path: string, name: string, value: Buffer): void { this.log(['x', enc(path), enc(name), value.toString('hex')]); }
  removeXattr(path: string, name: string): void { this.log(['X', enc(path), enc(name)]); }
  /** The path (and all below it) is gone. */
  forget(path: string): void { if (this.hasTree(path)) this.log(['d', enc(path)]); }
  rename(from: string, to: string): void { if (this.hasTree(from) || this.hasTree(to)) this.log(['r', enc(from), enc(to)]); }
  /** A new hard link: the same attributes under another name. */
  link(from: string, to: string): void { if (this.entries.has(from)) this.log(['l', enc(from), enc(to)]); }

  private hasTree(path: string): boolean {
    if (this.entries.has(path)) return true;
    const pre = path + '/';
    for (const k of this.entries.keys()) if (k.startsWith(pre)) return true;
    return false;
  }

  close(): void { if (this.fd >= 0) { closeSync(this.fd); this.fd = -1; } }
}

function attrRecord(p: string, e: MetaEntry): string[] {
  const n = (v: number | undefined, octal = false) => (v === undefined ? '-' : octal ? '0' + v.toString(8) : String(v));
  return ['a', enc(p), n(e.uid), n(e.gid), n(e.mode, true), e.rdev === undefined ? '-' : String(e.rdev)];
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function clone(e: MetaEntry): MetaEntry {
  return { ...e, xattrs: e.xattrs ? new Map(e.xattrs) : undefined };
}
