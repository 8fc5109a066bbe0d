// AF_UNIX sockets with real programs: a python3 socketserver on a path and a
// client in the same guest; the guest's abstract namespace and its socket
// files are its own (a host listener on the same abstract name or a host
// socket file is not reachable: ECONNREFUSED).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS } from './helpers.js';

let dir;
before(() => { dir = scratch('tuml-unix-'); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

const SERVER = `
import os, socket, socketserver, sys
path = sys.argv[1]
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(b"echo:" + line.upper())
srv = socketserver.UnixStreamServer(path, Echo)
print("socket file:", os.path.exists(path) and __import__("stat").S_ISSOCK(os.stat(path).st_mode))
pid = os.fork()
if pid == 0:
    srv.handle_request(); srv.handle_request()
    os._exit(0)
srv.server_close()
for word in (b"hello", b"again"):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendall(word + b"\\n")
    print(c.makefile("rb").readline().decode().strip())
    c.close()
_, st = os.waitpid(pid, 0)
print("server exit:", st)
os.unlink(path)
`;

for (const as of USERS) {
  test(`python3 UnixStreamServer and a client in one guest (${as})`, () => {
    const script = join(dir, `server-${as}.py`);
    writeFileSync(script, SERVER);
    chmodSync(script, 0o644);
    const sock = join(dir, `echo-${as}.sock`);
    const r = tuml(['python3', script, sock], { as, cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'socket file: True\necho:HELLO\necho:AGAIN\nserver exit: 0\n');
    assert.ok(!existsSync(sock), 'the guest unlinked its socket file');
  });
}

test('python3 UnixStreamServer on a path under /run (the guest\'s tmpfs) on the default root', () => {
  const script = join(dir, 'server-run.py');
  writeFileSync(script, SERVER);
  chmodSync(script, 0o644);
  const r = tuml(['sh', '-c', `python3 ${script} /run/echo.sock && findmnt -no FSTYPE /run && ls /run/echo.sock`], { rwHost: false });
  assert.equal(r.stdout, 'socket file: True\necho:HELLO\necho:AGAIN\nserver exit: 0\ntmpfs\n');
  assert.match(r.stderr, /ls: cannot access '\/run\/echo.sock': No such file or directory/);
});

const CLIENT = `
import socket, sys
name = sys.argv[1]
def attempt(addr, label):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(addr)
        print(label, "connected")
    except OSError as e:
        print(label, type(e).__name__)
attempt("\\0" + name, "abstract name the host listens on:")
attempt(sys.argv[2], "host socket file:")
# The guest may bind the same abstract name: its namespace is its own.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\\0" + name)
s.listen(1)
attempt("\\0" + name, "guest's own listener on that name:")
`;

/** A host listener (python3) on an abstract name and on a socket file, until killed. */
function hostListener(name, path) {
  const code = `
import socket, sys, time
a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); a.bind("\\0" + sys.argv[1]); a.listen(5)
b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); b.bind(sys.argv[2]); b.listen(5)
import os; os.chmod(sys.argv[2], 0o777)
print("ready", flush=True)
time.sleep(120)
`;
  const child = spawn('python3', ['-c', code, name, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => (String(d).includes('ready') ? resolve(child) : reject(new Error(String(d)))));
    child.once('error', reject);
  });
}

for (const as of USERS) {
  test(`host abstract names and host socket files are unreachable from the guest (${as})`, async () => {
    const name = `tuml-test-host-${process.pid}-${as}`;
    const hostSock = join(dir, `host-${as}.sock`);
    const host = await hostListener(name, hostSock);
    try {
      const script = join(dir, `client-${as}.py`);
      writeFileSync(script, CLIENT);
      chmodSync(script, 0o644);
      const r = tuml(['python3', script, name, hostSock], { as, cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout,
        'abstract name the host listens on: ConnectionRefusedError\n' +
        'host socket file: ConnectionRefusedError\n' +
        "guest's own listener on that name: connected\n");
    } finally {
      host.kill();
    }
  });
}

test('socket calls fail clearly on what is not a socket, and unknown families', () => {
  const r = tuml(['python3', '-c', `
import socket, errno
try:
    socket.socket(40, socket.SOCK_STREAM)
except OSError as e:
    print(errno.errorcode[e.errno])
f = open("/dev/null")
try:
    socket.socket(fileno=f.fileno())
except OSError as e:
    print(errno.errorcode[e.errno])
`], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'EAFNOSUPPORT\nENOTSOCK\n');
});
