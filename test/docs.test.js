// docs/syscalls.md is generated from the kernel's tables: it must be current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

test('docs/syscalls.md matches the syscall table (npm run docs regenerates it)', async () => {
  const { render } = await import(join(ROOT, 'scripts/gen-syscalls-md.js'));
  assert.equal(readFileSync(join(ROOT, 'docs/syscalls.md'), 'utf8'), render());
});
