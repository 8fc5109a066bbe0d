// The DNS server at 10.0.2.3 (slirp's): the kernel answers A and AAAA
// queries with the host's resolver (getaddrinfo: the host's /etc/hosts, then
// its DNS), so a guest resolves what the host resolves without any host
// port of its own. Other query types get an empty answer.
import dns from 'node:dns';
import { ip4, ip6 } from '../core/dev.js';

const TYPE_A = 1, TYPE_AAAA = 28;
const RCODE = { OK: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;

interface Question { name: string; type: number; end: number }

function parseQuestion(q: Buffer): Question | null {
  if (q.length < 12 || q.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= q.length) return null;
    const n = q[at++];
    if (n === 0) break;
    if (n > 63 || at + n > q.length) return null;
    labels.push(q.toString('latin1', at, at + n));
    at += n;
  }
  if (at + 4 > q.length) return null;
  return { name: labels.join('.'), type: q.readUInt16BE(at), end: at + 4 };
}

function reply(q: Buffer, qu: Question | null, rcode: number, answers: Buffer[]): Buffer {
  const h = Buffer.alloc(12);
  q.copy(h, 0, 0, 2);                                   // id
  const rd = q.length > 2 ? q[2] & 1 : 0;
  h.writeUInt16BE(0x8080 | (rd << 8) | rcode, 2);      // QR, RA, RD as asked
  h.writeUInt16BE(qu ? 1 : 0, 4);
  h.writeUInt16BE(answers.length, 6);
  return Buffer.concat([h, qu ? q.subarray(12, qu.end) : Buffer.alloc(0), ...answers]);
}

function answer(type: number, addr: string): Buffer {
  const data = type === TYPE_A ? ip4(addr) : ip6(addr);
  const a = Buffer.alloc(12);
  a.writeUInt16BE(0xc00c, 0);                           // the name: a pointer to the question's
  a.writeUInt16BE(type, 2);
  a.writeUInt16BE(1, 4);                                // IN
  a.writeUInt32BE(60, 6);                               // TTL
  a.writeUInt16BE(data.length, 10);
  return Buffer.concat([a, data]);
}

/** Answers one query datagram; resolves with the reply datagram (null: nothing to answer). */
export function answerDns(q: Buffer): Promise<Buffer | null> {
  if (q.length < 12 || (q[2] & 0x80)) return Promise.resolve(null);   // not a query
  const qu = parseQuestion(q);
  if (!qu || ((q[2] >> 3) & 0xf) !== 0) return Promise.resolve(reply(q, qu, RCODE.NOTIMP, []));
  if (qu.type !== TYPE_A && qu.type !== TYPE_AAAA) return Promise.resolve(reply(q, qu, RCODE.OK, []));
  const family = qu.type === TYPE_A ? 4 : 6;
  return new Promise((resolve) => {
    dns.lookup(qu.name, { family, all: true }, (err, addrs) => {
      if (err) {
        const none = err.code === 'ENOTFOUND' || err.code === 'ENODATA';
        // A name that exists only for the other family is NOERROR with no answer.
        resolve(reply(q, qu, none && err.code === 'ENODATA' ? RCODE.OK : none ? RCODE.NXDOMAIN : RCODE.SERVFAIL, []));
        return;
      }
      resolve(reply(q, qu, RCODE.OK, addrs.map((a) => answer(qu.type, a.address))));
    });
  });
}
