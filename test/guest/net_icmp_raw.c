/* Raw ICMP sockets on the loopback: an echo request to 127.0.0.1 is read
 * back by the raw socket itself (the request, then the machine's reply),
 * each with its IPv4 header; ICMP_FILTER drops the types it names; a request
 * with a bad checksum reaches the raw socket but gets no reply.
 *
 * TUML_GUEST_NEEDS_ROOT: raw sockets need CAP_NET_RAW on the host. */
#include "common.h"
#include <arpa/inet.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#define ID 0x4d2b

static unsigned short csum(const unsigned char *p, int n)
{
	unsigned long s = 0;
	for (int i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
	if (n & 1) s += p[n - 1] << 8;
	while (s >> 16) s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void echo(int s, int seq, int bad)
{
	unsigned char m[8 + 24];
	memset(m, 0, sizeof m);
	m[0] = 8;
	m[4] = ID >> 8; m[5] = ID & 0xff;
	m[6] = seq >> 8; m[7] = seq & 0xff;
	for (int i = 8; i < (int)sizeof m; i++) m[i] = 'a' + i;
	unsigned short c = csum(m, sizeof m) ^ (bad ? 0x0101 : 0);
	m[2] = c >> 8; m[3] = c & 0xff;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ssize_t r = sendto(s, m, sizeof m, 0, (struct sockaddr *)&to, sizeof to);
	printf("sendto seq %d%s: %zd\n", seq, bad ? " (bad checksum)" : "", r);
}

/* Prints the packets of ours that arrive within ms, and returns how many. */
static int drain(int s, int ms)
{
	int n = 0;
	for (;;) {
		struct pollfd p = { s, POLLIN, 0 };
		if (poll(&p, 1, ms) <= 0) return n;
		unsigned char b[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t r = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
		if (r < 28) continue;
		int ihl = (b[0] & 15) * 4;
		unsigned char *ic = b + ihl;
		if (((ic[4] << 8) | ic[5]) != ID) continue;   /* someone else's ICMP */
		n++;
		printf("  %zd bytes: v%d ihl %d total %d ttl %d proto %d src %s", r, b[0] >> 4, ihl, (b[2] << 8) | b[3], b[8], b[9], inet_ntoa(*(struct in_addr *)(b + 12)));
		printf(" dst %s iphdr-csum %s from %s fromlen %d\n", inet_ntoa(*(struct in_addr *)(b + 16)), csum(b, ihl) == 0 ? "ok" : "bad",
		       inet_ntoa(from.sin_addr), (int)fl);
		printf("    icmp type %d code %d seq %d csum %s payload %s\n", ic[0], ic[1], (ic[6] << 8) | ic[7],
		       csum(ic, r - ihl) == 0 ? "ok" : "bad", ic[31] == 'a' + 31 ? "intact" : "changed");
	}
}

int main(void)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	CHECK(s >= 0);
	struct icmp_filter f;
	socklen_t fl = sizeof f;
	CHECK(getsockopt(s, SOL_RAW, ICMP_FILTER, &f, &fl) == 0);
	printf("default filter %#x len %d\n", f.data, (int)fl);

	echo(s, 1, 0);
	printf("packets: %d\n", drain(s, 1000));

	f.data = 1 << ICMP_ECHO;
	CHECK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof f) == 0);
	echo(s, 2, 0);
	printf("packets with echo requests filtered: %d\n", drain(s, 1000));

	f.data = 0;
	CHECK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof f) == 0);
	echo(s, 3, 1);
	printf("packets: %d\n", drain(s, 300));
	return 0;
}
