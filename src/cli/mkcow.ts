// `tuml mkcow [-f] COW BACKING`: what uml_mkcow does, a UML COW file (v3)
// over BACKING made without booting a machine. Unlike uml_mkcow, a failure
// leaves no empty COW file behind.
import * as fs from 'node:fs';
import { CowError, initCowFile } from '../drivers/block/cow.js';

export const MKCOW_USAGE = `usage: tuml mkcow [-f] <COW file> <backing file>
  -f  overwrite an existing COW file
`;

export function mkcow(args: string[]): number {
  let force = false;
  if (args[0] === '-f') { force = true; args = args.slice(1); }
  if (args.length !== 2 || args.some((a) => a.startsWith('-') && a.length > 1)) {
    process.stderr.write(MKCOW_USAGE);
    return 2;
  }
  const [cow, backing] = args;
  let fd: number;
  try {
    fd = fs.openSync(cow, fs.constants.O_RDWR | fs.constants.O_CREAT | (force ? fs.constants.O_TRUNC : fs.constants.O_EXCL), 0o644);
  } catch (e) {
    process.stderr.write(`tuml mkcow: open COW file '${cow}': ${(e as Error).message}\n`);
    return 1;
  }
  try {
    initCowFile(fd, backing);
    return 0;
  } catch (e) {
    fs.closeSync(fd);
    fd = -1;
    fs.rmSync(cow, { force: true });
    const why = e instanceof CowError ? e.message : (e as Error).message;
    process.stderr.write(`tuml mkcow: backing file '${backing}': ${why}\n`);
    return 1;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
