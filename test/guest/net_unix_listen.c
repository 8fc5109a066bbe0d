/* AF_UNIX sockets bound in a temp dir: bind/listen/accept/connect, ENOENT,
 * ECONNREFUSED, EADDRINUSE, abstract names, datagram sendto/recvfrom,
 * SO_PEERCRED of the connecting child. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mkaddr(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (abstract) {
		a->sun_path[0] = 0;
		memcpy(a->sun_path + 1, path, strlen(path));
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	}
	snprintf(a->sun_path, sizeof a->sun_path, "%s", path);
	return sizeof *a;
}

int main(void)
{
	make_tmpdir();
	struct sockaddr_un a;
	const char *sp = tpath("sock");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("socket", s);
	socklen_t al = mkaddr(&a, sp, 0);
	int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("connect before bind: ENOENT", connect(c0, (struct sockaddr *)&a, al));
	close(c0);
	TRY("bind", bind(s, (struct sockaddr *)&a, al));
	struct stat st;
	stat(sp, &st);
	printf("socket file type: %s\n", ftype(st.st_mode));
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("bind same path again", bind(s2, (struct sockaddr *)&a, al));
	c0 = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("connect before listen: ECONNREFUSED", connect(c0, (struct sockaddr *)&a, al));
	close(c0);
	TRY("listen", listen(s, 5));

	pid_t c = xfork();
	if (c == 0) {
		int cs = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(cs, (struct sockaddr *)&a, al) < 0)
			_exit(1);
		write_all(cs, "ping", 4);
		char b[8];
		ssize_t n = read(cs, b, sizeof b);
		_exit(n == 4 && !memcmp(b, "pong", 4) ? 0 : 2);
	}
	struct sockaddr_un peer;
	socklen_t pl = sizeof peer;
	int acc = accept(s, (struct sockaddr *)&peer, &pl);
	TRY("accept", acc);
	printf("peer address is unnamed: %s\n", yesno(pl == sizeof(sa_family_t)));
	struct ucred cr;
	socklen_t cl = sizeof cr;
	getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	printf("SO_PEERCRED pid == child: %s\n", yesno(cr.pid == c));
	char buf[64];
	ssize_t n = read(acc, buf, sizeof buf);
	printf("server got: %.*s\n", (int)n, buf);
	write_all(acc, "pong", 4);
	wait_report("client child", c);
	n = read(acc, buf, sizeof buf);
	printf("read after client exit: %zd\n", n);
	close(acc);

	struct sockaddr_un nm;
	socklen_t nl = sizeof nm;
	getsockname(s, (struct sockaddr *)&nm, &nl);
	printf("getsockname returns the bound path: %s\n", yesno(!strcmp(nm.sun_path, sp)));

	/* nonblocking accept with nothing pending */
	fcntl(s, F_SETFL, O_NONBLOCK);
	TRY("accept nothing pending (nonblock)", accept(s, NULL, NULL));
	struct pollfd pf = { s, POLLIN, 0 };
	printf("poll listening socket: %d\n", poll(&pf, 1, 0));
	close(s);
	unlink(sp);

	/* abstract namespace */
	char abs_name[300];
	snprintf(abs_name, sizeof abs_name, "tuml-test-%s", basename_of(tuml_tmpdir));
	int as = socket(AF_UNIX, SOCK_STREAM, 0);
	al = mkaddr(&a, abs_name, 1);
	TRY("bind abstract", bind(as, (struct sockaddr *)&a, al));
	TRY("listen abstract", listen(as, 1));
	int ac = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("connect abstract", connect(ac, (struct sockaddr *)&a, al));
	int aa = accept(as, NULL, NULL);
	TRY("accept abstract", aa);
	close(ac);
	close(aa);
	close(as);

	/* datagram sockets with addresses */
	int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a1, a2;
	socklen_t l1 = mkaddr(&a1, tpath("d1"), 0), l2 = mkaddr(&a2, tpath("d2"), 0);
	bind(d1, (struct sockaddr *)&a1, l1);
	bind(d2, (struct sockaddr *)&a2, l2);
	TRYV("sendto d2", sendto(d1, "dgram", 5, 0, (struct sockaddr *)&a2, l2));
	struct sockaddr_un from;
	socklen_t fl = sizeof from;
	n = recvfrom(d2, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom: %.*s from d1: %s\n", (int)n, buf, yesno(!strcmp(from.sun_path, a1.sun_path)));
	TRY("sendto missing path", sendto(d1, "x", 1, 0, (struct sockaddr *)&a, mkaddr(&a, tpath("nothere"), 0)));
	TRY("socket bad family", socket(12345, SOCK_STREAM, 0));
	TRY("socket bad type", socket(AF_UNIX, 12345, 0));
	char longp[200];
	memset(longp, 'x', sizeof longp);
	longp[199] = 0;
	struct sockaddr_un la = { .sun_family = AF_UNIX };
	memcpy(la.sun_path, longp, sizeof la.sun_path);
	CHECK(chdir(tuml_tmpdir) == 0); /* the relative 108-byte name lands in the temp dir */
	TRY("bind path not NUL-terminated within sun_path", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&la, sizeof la));
	CHECK(chdir("/") == 0);
	return 0;
}
