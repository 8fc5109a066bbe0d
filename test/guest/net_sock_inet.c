/* TCP and UDP over the loopback: ephemeral ports, bind conflicts and
 * SO_REUSEADDR, connect/accept and the names on both ends, EOF, ECONNRESET,
 * EPIPE after the peer closed, non-blocking connect (EINPROGRESS, SO_ERROR),
 * ECONNREFUSED, UDP datagrams and the refused port of a connected socket,
 * IPv6 ::1 and dual-stack listeners, the common options.  Only relations are
 * printed (ports differ between two kernels). */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

static struct sockaddr_in lo4(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int s)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	getsockname(s, (struct sockaddr *)&ss, &l);
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				       : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A listening TCP socket on 127.0.0.1, any port. */
static int listener(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo4(0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 8) == 0);
	*port = port_of(s);
	return s;
}

static int geti(int s, int level, int opt)
{
	int v = -1;
	socklen_t l = sizeof v;
	if (getsockopt(s, level, opt, &v, &l) < 0)
		return -errno;
	return v;
}

static void tcp(void)
{
	int port, l = listener(&port);
	printf("ephemeral port in 32768-60999 or above 1023: %s\n", yesno(port > 1023));
	struct sockaddr_in a = lo4(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	TRY("connect 127.0.0.1", connect(c, (struct sockaddr *)&a, sizeof a));
	struct sockaddr_in pa;
	socklen_t pl = sizeof pa;
	int s = accept(l, (struct sockaddr *)&pa, &pl);
	TRY("accept", s);
	printf("peer: len %u, 127.0.0.1 %s, its port is the client's %s\n", pl, yesno(pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK)),
	       yesno(ntohs(pa.sin_port) == port_of(c)));
	struct sockaddr_in na;
	socklen_t nl = sizeof na;
	getsockname(c, (struct sockaddr *)&na, &nl);
	printf("client name: len %u, 127.0.0.1 %s\n", nl, yesno(na.sin_addr.s_addr == htonl(INADDR_LOOPBACK)));
	nl = sizeof na;
	getpeername(c, (struct sockaddr *)&na, &nl);
	printf("client peer is the listener's port: %s\n", yesno(ntohs(na.sin_port) == port));
	printf("accepted socket's port is the listener's: %s\n", yesno(port_of(s) == port));
	write_all(c, "GET /", 5);
	char buf[64];
	TRYV("server reads", read(s, buf, sizeof buf));
	TRYV("MSG_PEEK on empty, MSG_DONTWAIT", recv(s, buf, 1, MSG_PEEK | MSG_DONTWAIT));
	shutdown(c, SHUT_WR);
	TRYV("EOF after the client's SHUT_WR", read(s, buf, sizeof buf));
	write_all(s, "reply", 5);
	TRYV("client still reads", read(c, buf, sizeof buf));
	close(s);
	TRYV("then EOF", read(c, buf, sizeof buf));
	close(c);

	/* close with unread data: the peer gets ECONNRESET */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	s = accept(l, NULL, NULL);
	write_all(c, "unread", 6);
	msleep(50);
	close(s);
	msleep(50);
	TRY("read after the peer closed with data unread", read(c, buf, sizeof buf));
	close(c);

	/* write after the peer closed: the first is accepted, the RST makes the next EPIPE */
	signal(SIGPIPE, SIG_IGN);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	s = accept(l, NULL, NULL);
	close(s);
	msleep(50);
	TRYV("first write to a closed peer", write(c, "x", 1));
	msleep(50);
	TRY("second write", write(c, "x", 1));
	TRY("recv", recv(c, buf, 1, MSG_DONTWAIT));
	close(c);

	/* non-blocking connect */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	printf("non-blocking connect: %s\n", r == 0 ? "ok" : errname(errno));
	struct pollfd pf = { c, POLLOUT, 0 };
	printf("poll for writing: %d, SO_ERROR %d\n", poll(&pf, 1, 5000), geti(c, SOL_SOCKET, SO_ERROR));
	TRY("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
	s = accept(l, NULL, NULL);
	TRY("accepted", s);
	close(s);
	close(c);

	/* bind conflicts */
	int b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in same = lo4(port);
	TRY("bind the listener's port", bind(b, (struct sockaddr *)&same, sizeof same));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, 4);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, 4);
	TRY("with SO_REUSEADDR on both, while it listens", bind(b, (struct sockaddr *)&same, sizeof same));
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	TRY("the wildcard on that port", bind(b, (struct sockaddr *)&any, sizeof any));
	close(b);
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	TRY("connect to the closed listener's port", connect(c, (struct sockaddr *)&a, sizeof a));
	close(c);
	/* (rebinding the port now depends on the TIME_WAIT of the closed connections: not printed) */
	b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in eph = lo4(0);
	TRY("bind port 0", bind(b, (struct sockaddr *)&eph, sizeof eph));
	TRY("bind twice", bind(b, (struct sockaddr *)&eph, sizeof eph));
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in6 wrong = { .sin6_family = AF_INET6 };
	TRY("bind AF_INET socket to a sockaddr_in6", bind(b, (struct sockaddr *)&wrong, sizeof wrong));
	TRY("bind short address", bind(b, (struct sockaddr *)&same, 8));
	struct sockaddr_in far = lo4(0);
	far.sin_addr.s_addr = inet_addr("192.0.2.1");
	TRY("bind a non-local address", bind(b, (struct sockaddr *)&far, sizeof far));
	TRY("send on an unconnected TCP socket", send(b, "x", 1, 0));
	TRY("recv on an unconnected TCP socket", recv(b, buf, 1, 0));
	TRY("getpeername unconnected", getpeername(b, (struct sockaddr *)&na, &nl));
	TRY("shutdown unconnected", shutdown(b, SHUT_RDWR));
	close(b);

	/* options */
	c = socket(AF_INET, SOCK_STREAM, 0);
	printf("TCP_NODELAY %d", geti(c, IPPROTO_TCP, TCP_NODELAY));
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &(int){ 5 }, 4);
	printf(" -> %d; SO_KEEPALIVE %d", geti(c, IPPROTO_TCP, TCP_NODELAY), geti(c, SOL_SOCKET, SO_KEEPALIVE));
	setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, 4);
	printf(" -> %d; TCP_KEEPIDLE %d; IP_TTL %d", geti(c, SOL_SOCKET, SO_KEEPALIVE), geti(c, IPPROTO_TCP, TCP_KEEPIDLE),
	       geti(c, IPPROTO_IP, IP_TTL));
	setsockopt(c, IPPROTO_IP, IP_TTL, &(int){ 9 }, 4);
	printf(" -> %d\n", geti(c, IPPROTO_IP, IP_TTL));
	TRY("IP_TTL 0", setsockopt(c, IPPROTO_IP, IP_TTL, &(int){ 0 }, 4));
	TRY("IPV6_V6ONLY on an AF_INET socket", setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, 4));
	struct linger lg = { 1, 0 };
	TRY("SO_LINGER", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	printf("SO_TYPE %d SO_PROTOCOL %d SO_DOMAIN %d\n", geti(c, SOL_SOCKET, SO_TYPE), geti(c, SOL_SOCKET, SO_PROTOCOL),
	       geti(c, SOL_SOCKET, SO_DOMAIN));
	close(c);
	int sv[2];
	TRY("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	TRY("socket AF_INET SOCK_STREAM IPPROTO_UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	TRY("socket AF_INET SOCK_SEQPACKET", socket(AF_INET, SOCK_SEQPACKET, 0));
}

static void udp(void)
{
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo4(0);
	CHECK(bind(u1, (struct sockaddr *)&a, sizeof a) == 0);
	int p1 = port_of(u1);
	a = lo4(p1);
	TRYV("sendto", sendto(u2, "datagram", 8, 0, (struct sockaddr *)&a, sizeof a));
	printf("sender autobound: %s\n", yesno(port_of(u2) > 0));
	char buf[64];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(u1, buf, 4, 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom truncated: %zd, from the sender: %s, len %u\n", n, yesno(ntohs(from.sin_port) == port_of(u2)), fl);
	TRY("nothing more", recv(u1, buf, sizeof buf, MSG_DONTWAIT));
	sendto(u2, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a);
	TRYV("MSG_TRUNC gives the real length", recv(u1, buf, 2, MSG_TRUNC));
	TRY("send unconnected, no address", send(u2, "x", 1, 0));
	TRY("getpeername unconnected", getpeername(u2, (struct sockaddr *)&from, &fl));
	CHECK(connect(u2, (struct sockaddr *)&a, sizeof a) == 0);
	struct sockaddr_in na;
	socklen_t nl = sizeof na;
	getsockname(u2, (struct sockaddr *)&na, &nl);
	printf("connected UDP name is 127.0.0.1: %s\n", yesno(na.sin_addr.s_addr == htonl(INADDR_LOOPBACK)));
	TRYV("send connected", send(u2, "c", 1, 0));
	TRYV("recv", recv(u1, buf, sizeof buf, 0));
	int port = p1;
	close(u1);
	msleep(20);
	TRYV("send to a port now closed", send(u2, "c", 1, 0));
	msleep(50);
	TRY("next recv: the port unreachable", recv(u2, buf, 1, MSG_DONTWAIT));
	TRY("then nothing", recv(u2, buf, 1, MSG_DONTWAIT));
	close(u2);
	/* two UDP sockets on one port with SO_REUSEADDR */
	int r1 = socket(AF_INET, SOCK_DGRAM, 0), r2 = socket(AF_INET, SOCK_DGRAM, 0);
	a = lo4(port);
	setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, 4);
	setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, 4);
	TRY("UDP bind", bind(r1, (struct sockaddr *)&a, sizeof a));
	TRY("second UDP bind, both SO_REUSEADDR", bind(r2, (struct sockaddr *)&a, sizeof a));
	close(r1);
	close(r2);
}

static void ipv6(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	printf("IPV6_V6ONLY default %d\n", geti(l, IPPROTO_IPV6, IPV6_V6ONLY));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0);
	int port = port_of(l);
	TRY("IPV6_V6ONLY after bind", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, 4));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in v4 = lo4(port);
	TRY("IPv4 client to a dual-stack listener", connect(c, (struct sockaddr *)&v4, sizeof v4));
	struct sockaddr_in6 pa;
	socklen_t pl = sizeof pa;
	int s = accept(l, (struct sockaddr *)&pa, &pl);
	char str[64];
	inet_ntop(AF_INET6, &pa.sin6_addr, str, sizeof str);
	printf("accepted: len %u family AF_INET6 %s addr %s\n", pl, yesno(pa.sin6_family == AF_INET6), str);
	close(s);
	close(c);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 one = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(port) };
	TRY("connect ::1", connect(c6, (struct sockaddr *)&one, sizeof one));
	pl = sizeof pa;
	s = accept(l, (struct sockaddr *)&pa, &pl);
	inet_ntop(AF_INET6, &pa.sin6_addr, str, sizeof str);
	printf("accepted: len %u addr %s\n", pl, str);
	write_all(c6, "six", 3);
	char buf[8];
	TRYV("read over ::1", read(s, buf, sizeof buf));
	close(s);
	close(c6);
	close(l);
	int v6o = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(v6o, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, 4);
	struct sockaddr_in6 mapped = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
	TRY("v6only socket binds a v4-mapped address", bind(v6o, (struct sockaddr *)&mapped, sizeof mapped));
	close(v6o);
}

int main(void)
{
	tcp();
	udp();
	ipv6();
	return 0;
}
