/*
 * TCP and UDP on the machine's own loopback: bind, listen, non-blocking
 * connect, accept, data both ways, shutdown and EOF, the error cases, and the
 * options programs read. Ports are ephemeral (bound to 0) so the program runs
 * the same on any host; what it prints does not depend on their numbers.
 */
#include "common.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/ioctl.h>

/* Evaluates the call before reading errno (printf's arguments have no order). */
#define SHOW(label, expr) do { errno = 0; long r_ = (long)(expr); \
	printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerror(errno) : ""); } while (0)

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;
	if (getsockopt(fd, level, name, &v, &len) < 0) return -errno;
	return v;
}

static void tcp(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(0);
	printf("bind: %d\n", bind(l, (struct sockaddr *)&a, sizeof a));
	printf("listen: %d acceptconn %d\n", listen(l, 4), getint(l, SOL_SOCKET, SO_ACCEPTCONN));
	int port = port_of(l);
	printf("ephemeral port in range: %d\n", port >= 32768 && port <= 60999);

	int again = socket(AF_INET, SOCK_STREAM, 0);
	a = lo(port);
	SHOW("bind same port", bind(again, (struct sockaddr *)&a, sizeof a));
	close(again);

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	printf("nonblocking connect: %s\n", r == 0 ? "0" : strerror(errno));
	struct pollfd p = { .fd = c, .events = POLLOUT };
	r = poll(&p, 1, 5000);
	printf("poll out: %d revents %#x\n", r, p.revents);
	printf("so_error: %d\n", getint(c, SOL_SOCKET, SO_ERROR));
	SHOW("connect again (completes)", connect(c, (struct sockaddr *)&a, sizeof a));
	SHOW("connect a third time", connect(c, (struct sockaddr *)&a, sizeof a));

	struct sockaddr_in peer;
	socklen_t plen = sizeof peer;
	int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	printf("accept: ok %d peer is client %d len %d\n", s >= 0, ntohs(peer.sin_port) == port_of(c), (int)plen);
	printf("types: %d %d nodelay %d\n", getint(s, SOL_SOCKET, SO_TYPE), getint(s, SOL_SOCKET, SO_DOMAIN), getint(s, IPPROTO_TCP, TCP_NODELAY));
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	printf("nodelay set: %d\n", getint(s, IPPROTO_TCP, TCP_NODELAY));

	char buf[64];
	SHOW("recv empty nonblocking", recv(c, buf, sizeof buf, 0));
	printf("send: %zd\n", send(c, "hello", 5, 0));
	printf("peek: %zd\n", recv(s, buf, sizeof buf, MSG_PEEK));
	ssize_t n = recv(s, buf, sizeof buf, 0);
	printf("recv: %zd %.*s\n", n, (int)n, buf);
	printf("send back: %zd\n", send(s, "world!", 6, 0));
	p.events = POLLIN;
	poll(&p, 1, 5000);
	n = recv(c, buf, 3, 0);
	printf("recv 3: %zd %.*s\n", n, (int)n, buf);
	int inq = -1;
	ioctl(c, FIONREAD, &inq);
	printf("fionread: %d\n", inq);
	n = recv(c, buf, sizeof buf, 0);
	printf("recv rest: %zd %.*s\n", n, (int)n, buf);

	printf("shutdown wr: %d\n", shutdown(c, SHUT_WR));
	printf("server reads eof: %zd\n", recv(s, buf, sizeof buf, 0));
	SHOW("send after shutdown", send(c, "x", 1, MSG_NOSIGNAL));
	close(s);
	p.events = POLLIN | POLLRDHUP;
	poll(&p, 1, 5000);
	n = recv(c, buf, sizeof buf, 0);
	printf("client sees eof: %zd rdhup %d\n", n, (p.revents & POLLRDHUP) != 0);
	close(c);

	int d = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in closed = lo(port);
	close(l);
	SHOW("connect to closed port", connect(d, (struct sockaddr *)&closed, sizeof closed));
	SHOW("send unconnected", send(d, "x", 1, MSG_NOSIGNAL));
	errno = 0;
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	SHOW("bind wrong family", bind(d, (struct sockaddr *)&six, sizeof six));
	close(d);
}

static void udp(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo(0);
	bind(u, (struct sockaddr *)&a, sizeof a);
	a = lo(port_of(u));
	printf("udp sendto: %zd\n", sendto(v, "datagram-one", 12, 0, (struct sockaddr *)&a, sizeof a));
	char buf[64];
	struct sockaddr_in from;
	socklen_t flen = sizeof from;
	ssize_t n = recvfrom(u, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &flen);
	printf("udp recv truncated: %zd from client %d\n", n, ntohs(from.sin_port) == port_of(v));
	SHOW("udp empty", recv(u, buf, sizeof buf, MSG_DONTWAIT));
	close(u);
	connect(v, (struct sockaddr *)&a, sizeof a);
	send(v, "x", 1, 0);
	struct pollfd p = { .fd = v, .events = POLLIN };
	poll(&p, 1, 2000);
	SHOW("connected udp to closed port", recv(v, buf, sizeof buf, 0));
	SHOW("shutdown unconnected udp", shutdown(socket(AF_INET, SOCK_DGRAM, 0), SHUT_RD));
	close(v);
}

int main(void)
{
	tcp();
	udp();
	return 0;
}
