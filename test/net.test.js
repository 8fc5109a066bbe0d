// The guest's network: its own loopback (TCP and UDP between guest programs,
// no host port used), the host's network through the kernel (slirp's
// addresses: 10.0.2.2 is the host, 10.0.2.3 its DNS), and iproute2 on the
// guest's interfaces and routes. Run as the unprivileged host user too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { tuml, USERS, NOBODY, TUML } from './helpers.js';

/** Starts tuml in the background; resolves with its output when it exits. */
function tumlAsync(argv, as = 'self') {
  const pre = as === 'nobody' ? NOBODY : [];
  const args = [...pre, process.execPath, TUML, 'run', '--', ...argv];
  return new Promise((resolve) => {
    const p = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

// A web server on port 80 of the guest's loopback and a client in the same machine.
const SERVE_AND_FETCH = `
import http.server, threading, urllib.request, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('machine ' + sys.argv[1]).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(('127.0.0.1', 80), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
import time; time.sleep(1.5)
for _ in range(3):
    print(urllib.request.urlopen('http://127.0.0.1:80/').read().decode())
srv.shutdown()
`;

for (const as of USERS) {
  test(`two machines each serve HTTP on their own 127.0.0.1:80 at once (${as})`, async () => {
    const [a, b] = await Promise.all([tumlAsync(['python3', '-c', SERVE_AND_FETCH, 'A'], as), tumlAsync(['python3', '-c', SERVE_AND_FETCH, 'B'], as)]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(a.stdout, 'machine A\n'.repeat(3));
    assert.equal(b.stdout, 'machine B\n'.repeat(3));
  });

  test(`python3 -m http.server on 127.0.0.1:80 answers curl in the same machine, two machines at once, the host's port 80 held meanwhile (${as})`, async () => {
    // The host's own 127.0.0.1:80 is taken by the test where it may bind it
    // (root): the guests' port 80 is theirs, not the host's.
    const host = http.createServer((req, res) => res.end('the host\n'));
    const held = await new Promise((r) => { host.once('error', () => r(false)); host.listen(80, '127.0.0.1', () => r(true)); });
    const serve = (name) => ['sh', '-c', `
mkdir -p /srv/www && echo "machine ${name}" > /srv/www/id.txt
python3 -m http.server 80 --bind 127.0.0.1 --directory /srv/www >/dev/null 2>&1 &
for i in $(seq 100); do curl -sf http://127.0.0.1:80/id.txt && break; sleep 0.1; done
curl -sf http://127.0.0.1/id.txt
kill $!`];
    try {
      const [a, b] = await Promise.all([tumlAsync(serve('A'), as), tumlAsync(serve('B'), as)]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(a.stdout, 'machine A\n'.repeat(2));
      assert.equal(b.stdout, 'machine B\n'.repeat(2));
      if (held) assert.equal(await (await fetch('http://127.0.0.1:80/')).text(), 'the host\n');
    } finally {
      host.close();
    }
  });

  test(`a guest fetches from a server on the host's loopback through 10.0.2.2 (${as})`, async () => {
    const server = http.createServer((req, res) => res.end(`host says hi to ${req.socket.remoteAddress}`));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address();
    try {
      const r = await tumlAsync(['python3', '-c', `
import urllib.request, socket
print(urllib.request.urlopen('http://10.0.2.2:${port}/').read().decode())
s = socket.create_connection(('10.0.2.2', ${port}))
print(s.getsockname()[0], s.getpeername())
try:
    socket.create_connection(('10.0.2.2', 1))
except OSError as e:
    print('closed host port:', e.errno)
`], as);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `host says hi to 127.0.0.1\n10.0.2.15 ('10.0.2.2', ${port})\nclosed host port: 111\n`);
    } finally {
      server.close();
    }
  });
}

test('the DNS server at 10.0.2.3 answers with the host resolver (its /etc/hosts: localhost)', () => {
  const r = tuml(['python3', '-c', `
import socket, struct
def q(name, t):
    return struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p for p in name.encode().split(b'.')) + b'\\0' + struct.pack('>HH', t, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
s.sendto(q('localhost', 1), ('10.0.2.3', 53)); r, a = s.recvfrom(512)
print(a, struct.unpack('>H', r[6:8])[0] >= 1, socket.inet_ntoa(r[-4:]))
s.sendto(q('no-such-host.invalid', 1), ('10.0.2.3', 53)); r, a = s.recvfrom(512)
print('rcode', struct.unpack('>H', r[2:4])[0] & 15)
`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "('10.0.2.3', 53) True 127.0.0.1\nrcode 3\n");
});

test('the default root has a resolv.conf for the guest network: libc resolves through 10.0.2.3', () => {
  // The guest's /etc/hosts loses its entries (on the overlay, not the
  // host's), so the name goes out by DNS: 10.0.2.3 answers from the host's
  // resolver, which finds localhost in the host's own /etc/hosts.
  const r = tuml(['sh', '-c', `
grep '^nameserver' /etc/resolv.conf
: > /etc/hosts
getent ahostsv4 localhost | head -1
getent hosts no-such-host.invalid; echo "missing: $?"
`], { rwHost: false });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'nameserver 10.0.2.3\n127.0.0.1       STREAM localhost\nmissing: 2\n');
  assert.match(readFileSync('/etc/hosts', 'utf8'), /localhost/, "the host's /etc/hosts is untouched");
});

test('ping: the machine answers on its loopback and slirp for 10.0.2.2; lo down, no answer; an unprivileged ping socket', () => {
  const r = tuml(['sh', '-c', `
busybox ping -c1 127.0.0.1 | grep -o 'bytes from 127.0.0.1: seq=0 ttl=64'
busybox ping -c1 -W 3 10.0.2.2 | grep -o '1 packets received'
busybox ping -c1 -W 1 192.0.2.1 | grep -o '0 packets received'
ip link set lo down
busybox ping -c1 127.0.0.1 2>&1 | grep -o 'Network is unreachable'
ip link set lo up
setpriv --reuid=1000 --regid=1000 --clear-groups /usr/bin/python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
s.sendto(struct.pack(">BBHHH", 8, 0, 0, 0, 7) + b"hello", ("127.0.0.1", 0))
r, a = s.recvfrom(100)
t, c, ck, ident, seq = struct.unpack(">BBHHH", r[:8])
print(a, t, c, ident == s.getsockname()[1], seq, r[8:])
'
`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "bytes from 127.0.0.1: seq=0 ttl=64\n1 packets received\n0 packets received\nNetwork is unreachable\n('127.0.0.1', 0) 0 0 True 7 b'hello'\n");
});

test('ip shows the guest interfaces and routes; lo down makes 127.0.0.1 unreachable, up again works', () => {
  const r = tuml(['sh', '-c', `
ip -o -4 addr | awk '{print $2, $4}'
ip route
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8080)); s.listen(); print("listening")' &
wait
ip link set lo down
ip -o link show lo | grep -o 'state [A-Z]*'
python3 -c 'import socket; socket.create_connection(("127.0.0.1", 9))' 2>&1 | tail -1
ip link set lo up
python3 -c 'import socket; socket.create_connection(("127.0.0.1", 9))' 2>&1 | tail -1
ip addr add 192.168.50.1/24 dev eth0 && ip route add 172.16.0.0/12 via 192.168.50.254
ip route get 172.20.1.1 | head -1
busybox ifconfig eth0 | grep -o 'inet addr:[0-9.]*'
busybox route -n | tail -n +3 | awk '{print $1, $2, $4, $8}'
grep -c eth0 /proc/net/dev
`], { timeout: 240000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'lo 127.0.0.1/8', 'eth0 10.0.2.15/24',
    '10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 ', 'default via 10.0.2.2 dev eth0 ',
    'listening', 'state DOWN',
    'OSError: [Errno 101] Network is unreachable',
    'ConnectionRefusedError: [Errno 111] Connection refused',
    '172.20.1.1 via 192.168.50.254 dev eth0 src 192.168.50.1 ',
    'inet addr:10.0.2.15',
    '0.0.0.0 10.0.2.2 UG eth0', '10.0.2.0 0.0.0.0 U eth0', '172.16.0.0 192.168.50.254 UG eth0', '192.168.50.0 0.0.0.0 U eth0',
    '1', '',
  ].join('\n'));
});

test('an unprivileged guest user cannot change the network (EPERM), and can read it', () => {
  const r = tuml(['setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', 'sh', '-c', 'ip link set lo down; echo $?; ip -o link show lo | grep -c UP'], { as: USERS.at(-1) });
  assert.equal(r.stdout, '2\n1\n', r.stderr);
  assert.match(r.stderr, /Operation not permitted/);
});

test('-p forwards a host port to a guest server (curl on the host reaches it); nothing listens after the machine stops', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const args = [process.execPath, TUML, 'run', '-p', `${port}:80`, '--', 'python3', '-c', `
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('guest saw ' + self.client_address[0]).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
        sys.stdout.write('served\\n'); sys.stdout.flush()
    def log_message(self, *a): pass
srv = http.server.HTTPServer(('0.0.0.0', 80), H)
print('ready', flush=True)
srv.handle_request()
`];
  const p = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stderr.on('data', (d) => (err += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`guest server not ready: ${err}`)), 60000);
    p.stdout.on('data', (d) => { out += d; if (out.includes('ready')) { clearTimeout(timer); resolve(); } });
  });
  const body = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); }).on('error', reject);
  });
  assert.equal(body, 'guest saw 10.0.2.2');
  const status = await new Promise((r) => p.on('close', r));
  assert.equal(status, 0, err);
  assert.equal(out, 'ready\nserved\n');
  await assert.rejects(new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject)));
});
