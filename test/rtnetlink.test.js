// NETLINK_ROUTE messages against the guest's network namespace, at the
// message level (the guest-level tests with iproute2 are in net*.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../dist/net/core/dev.js';
import { rtnetlinkRcv, RTM, NLM_F, NLMSG } from '../dist/net/core/rtnetlink.js';

const admin = { portid: 77, netAdmin: true };

function attr(type, data) {
  const len = 4 + data.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0); b.writeUInt16LE(type, 2); data.copy(b, 4);
  return b;
}
function req(type, flags, body, seq = 1) {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0); h.writeUInt16LE(type, 4); h.writeUInt16LE(flags, 6); h.writeUInt32LE(seq, 8);
  return Buffer.concat([h, body]);
}
function parse(grams) {
  const out = [];
  for (const g of grams) {
    for (let at = 0; at + 16 <= g.length;) {
      const len = g.readUInt32LE(at);
      out.push({ type: g.readUInt16LE(at + 4), flags: g.readUInt16LE(at + 6), seq: g.readUInt32LE(at + 8), pid: g.readUInt32LE(at + 12), body: g.subarray(at + 16, at + len) });
      at += (len + 3) & ~3;
    }
  }
  return out;
}
function attrs(b) {
  const m = new Map();
  for (let at = 0; at + 4 <= b.length;) { const len = b.readUInt16LE(at); m.set(b.readUInt16LE(at + 2), b.subarray(at + 4, at + len)); at += (len + 3) & ~3; }
  return m;
}
const ifinfo = (index = 0, flags = 0, change = 0) => { const b = Buffer.alloc(16); b.writeInt32LE(index, 4); b.writeUInt32LE(flags, 8); b.writeUInt32LE(change, 12); return b; };
const links = (net) => parse(rtnetlinkRcv(net, req(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, ifinfo()), admin)).filter((m) => m.type === RTM.NEWLINK)
  .map((m) => ({ index: m.body.readInt32LE(4), flags: m.body.readUInt32LE(8), name: attrs(m.body.subarray(16)).get(3).toString('latin1').replace(/\0$/, '') }));

test('a link dump lists lo and eth0, up, and ends with NLMSG_DONE', () => {
  const net = new Net();
  const msgs = parse(rtnetlinkRcv(net, req(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, ifinfo(), 9), admin));
  assert.equal(msgs.at(-1).type, NLMSG.DONE);
  assert.ok(msgs.every((m) => m.seq === 9 && m.pid === 77 && (m.flags & NLM_F.MULTI)));
  assert.deepEqual(links(net).map((l) => [l.index, l.name, (l.flags & 1) === 1]), [[1, 'lo', true], [2, 'eth0', true]]);
});

test('setting lo down takes its local routes away; up brings them back; unprivileged is EPERM', () => {
  const net = new Net();
  const down = parse(rtnetlinkRcv(net, req(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, ifinfo(1, 0, 1)), admin));
  assert.equal(down[0].type, NLMSG.ERROR);
  assert.equal(down[0].body.readInt32LE(0), 0);
  assert.equal(links(net)[0].flags & 1, 0);
  assert.equal(net.isLocal(Buffer.from([127, 0, 0, 1])), false);
  assert.notEqual(net.lookup(Buffer.from([127, 0, 0, 1]))?.table, 255);
  rtnetlinkRcv(net, req(RTM.NEWLINK, NLM_F.REQUEST, ifinfo(1, 1, 1)), admin);
  assert.equal(net.isLocal(Buffer.from([127, 0, 0, 1])), true);
  const eperm = parse(rtnetlinkRcv(net, req(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, ifinfo(1, 0, 1)), { portid: 5, netAdmin: false }));
  assert.equal(eperm[0].body.readInt32LE(0), -1);
});

test('addresses: dump, add with EEXIST on a duplicate, delete; routes follow', () => {
  const net = new Net();
  const ifa = (family, prefix, index) => { const b = Buffer.alloc(8); b[0] = family; b[1] = prefix; b.writeUInt32LE(index, 4); return b; };
  const dumpAddrs = () => parse(rtnetlinkRcv(net, req(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, ifa(2, 0, 0)), admin))
    .filter((m) => m.type === RTM.NEWADDR).map((m) => [...attrs(m.body.subarray(8)).get(2)].join('.') + '/' + m.body[1]);
  assert.deepEqual(dumpAddrs(), ['127.0.0.1/8', '10.0.2.15/24']);
  const add = req(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, Buffer.concat([ifa(2, 24, 2), attr(2, Buffer.from([192, 168, 7, 1])), attr(1, Buffer.from([192, 168, 7, 1]))]));
  assert.equal(parse(rtnetlinkRcv(net, add, admin))[0].body.readInt32LE(0), 0);
  assert.equal(parse(rtnetlinkRcv(net, add, admin))[0].body.readInt32LE(0), -17);
  assert.deepEqual(dumpAddrs(), ['127.0.0.1/8', '10.0.2.15/24', '192.168.7.1/24']);
  assert.equal(net.lookup(Buffer.from([192, 168, 7, 9])).oif, 2);
  rtnetlinkRcv(net, req(RTM.DELADDR, NLM_F.REQUEST, Buffer.concat([ifa(2, 24, 2), attr(2, Buffer.from([192, 168, 7, 1]))])), admin);
  assert.deepEqual(dumpAddrs(), ['127.0.0.1/8', '10.0.2.15/24']);
  assert.equal(net.lookup(Buffer.from([192, 168, 7, 9])).gateway.join('.'), '10.0.2.2');
});

test('routes: add via a gateway on a connected network, ENETUNREACH otherwise, route get, delete', () => {
  const net = new Net();
  const rtm = (dstLen) => { const b = Buffer.alloc(12); b[0] = 2; b[1] = dstLen; b[4] = 254; b[5] = 4; b[7] = 1; return b; };
  const add = (gw) => parse(rtnetlinkRcv(net, req(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL,
    Buffer.concat([rtm(24), attr(1, Buffer.from([172, 16, 5, 0])), attr(5, Buffer.from(gw))])), admin))[0].body.readInt32LE(0);
  assert.equal(add([10, 0, 2, 7]), 0);
  assert.equal(add([10, 0, 2, 7]), -17);
  assert.equal(add([8, 8, 8, 8]) === -101 || add([8, 8, 8, 8]) === -17, true);
  const get = parse(rtnetlinkRcv(net, req(RTM.GETROUTE, NLM_F.REQUEST, Buffer.concat([rtm(32), attr(1, Buffer.from([172, 16, 5, 9]))])), admin));
  assert.equal(get[0].type, RTM.NEWROUTE);
  assert.deepEqual([...attrs(get[0].body.subarray(12)).get(5)], [10, 0, 2, 7]);
  assert.equal(parse(rtnetlinkRcv(net, req(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, Buffer.concat([rtm(24), attr(1, Buffer.from([172, 16, 5, 0]))])), admin))[0].body.readInt32LE(0), 0);
  assert.equal(net.lookup(Buffer.from([172, 16, 5, 9])).gateway.join('.'), '10.0.2.2');
});

test('a malformed attribute is EINVAL; unknown dumps are empty; unknown requests EOPNOTSUPP', () => {
  const net = new Net();
  const bad = Buffer.concat([ifinfo(1), Buffer.from([200, 0, 3, 0])]);
  assert.equal(parse(rtnetlinkRcv(net, req(RTM.GETLINK, NLM_F.REQUEST, bad), admin))[0].body.readInt32LE(0), -22);
  const neigh = parse(rtnetlinkRcv(net, req(RTM.GETNEIGH, NLM_F.REQUEST | NLM_F.DUMP, Buffer.alloc(12)), admin));
  assert.deepEqual(neigh.map((m) => m.type), [NLMSG.DONE]);
  assert.equal(parse(rtnetlinkRcv(net, req(RTM.GETNEIGH, NLM_F.REQUEST, Buffer.alloc(12)), admin))[0].body.readInt32LE(0), -95);
});
