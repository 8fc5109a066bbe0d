// The differential suite again with both runs (native and tuml) started by an
// unprivileged host user: simulated root must not depend on being root on the
// host. Only meaningful (and only possible) when the tests run as root.
import { test } from 'node:test';

if (process.getuid?.() === 0) {
  process.env.TUML_GUEST_SETPRIV = '1';
  await import('./guest.test.js');
} else {
  test('differential suite as an unprivileged host user', { skip: 'the tests are not running as root' }, () => {});
}
