/* AF_UNIX socket calls beyond the basics: argument errors, options and their
 * reported values, sockaddr lengths, sendmsg/recvmsg with iovecs and control
 * messages (MSG_CTRUNC, MSG_CMSG_CLOEXEC, SCM_CREDENTIALS), MSG_WAITALL,
 * flow control, poll readiness, shutdown, ECONNRESET, SO_RCVTIMEO,
 * sendmmsg/recvmmsg, datagram queue limits. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static int geti(int s, int opt)
{
	int v = -12345;
	socklen_t l = sizeof v;
	if (getsockopt(s, SOL_SOCKET, opt, &v, &l) < 0)
		return -errno;
	return v;
}

static const char *pollstr(int s, short ev)
{
	static char b[128];
	struct pollfd p = { s, ev, 0 };
	int n = poll(&p, 1, 0);
	snprintf(b, sizeof b, "%d%s%s%s%s%s", n, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
		 p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "", p.revents & POLLRDHUP ? " RDHUP" : "");
	return b;
}

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void errors(void)
{
	int sv[2];
	TRY("socket AF_UNIX SOCK_RAW (a datagram socket)", socket(AF_UNIX, SOCK_RAW, 0));
	TRY("socket AF_UNIX protocol 5", socket(AF_UNIX, SOCK_STREAM, 5));
	TRY("socket AF_UNIX SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0));
	TRY("socket family 200", socket(200, SOCK_STREAM, 0));
	TRY("socket family -1", socket(-1, SOCK_STREAM, 0));
	TRY("socket type 15", socket(AF_UNIX, 15, 0));
	int f = open("/dev/null", O_RDONLY);
	TRY("bind on a non-socket", bind(f, NULL, 0));
	TRY("listen on a bad fd", listen(999, 1));
	close(f);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_INET;
	TRY("bind wrong family", bind(s, (struct sockaddr *)&a, sizeof a));
	a.sun_family = AF_UNIX;
	TRY("bind length 200", bind(s, (struct sockaddr *)&a, 200));
	TRY("bind length 1", bind(s, (struct sockaddr *)&a, 1));
	TRY("listen unbound", listen(s, 1));
	TRY("connect length 2", connect(s, (struct sockaddr *)&a, 2));
	TRY("accept on unlistening", accept(s, NULL, NULL));
	TRY("send unconnected stream", send(s, "x", 1, 0));
	char c;
	TRY("recv unconnected stream", recv(s, &c, 1, 0));
	TRY("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &(socklen_t){ sizeof a }));
	TRY("shutdown bad how", shutdown(s, 7));
	TRY("shutdown unconnected", shutdown(s, SHUT_RDWR));
	TRY("accept4 bad flags", accept4(s, NULL, NULL, 0x1234));
	TRY("setsockopt level 6", setsockopt(s, 6, 1, &(int){ 1 }, 4));
	TRY("setsockopt short int", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, 2));
	TRY("setsockopt SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &(int){ 1 }, 4));
	TRY("setsockopt unknown", setsockopt(s, SOL_SOCKET, 9999, &(int){ 1 }, 4));
	TRY("getsockopt negative length", getsockopt(s, SOL_SOCKET, SO_TYPE, &(int){ 0 }, &(socklen_t){ -1 }));
	struct ucred cr;
	socklen_t cl = sizeof cr;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	printf("SO_PEERCRED unconnected: pid %d uid %d gid %d len %u\n", cr.pid, (int)cr.uid, (int)cr.gid, cl);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	TRY("listen on dgram", listen(d, 1));
	TRY("accept on dgram", accept(d, NULL, NULL));
	TRY("send unconnected dgram", send(d, "x", 1, 0));
	TRY("recv MSG_OOB", recv(d, &c, 1, MSG_OOB | MSG_DONTWAIT));
	close(d);
	close(s);
	TRY("socketpair SOCK_RDM", socketpair(AF_UNIX, SOCK_RDM, 0, sv));
}

static void options(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d SO_ACCEPTCONN %d SO_ERROR %d\n", geti(s, SO_TYPE),
	       geti(s, SO_DOMAIN), geti(s, SO_PROTOCOL), geti(s, SO_ACCEPTCONN), geti(s, SO_ERROR));
	printf("SO_SNDBUF default %d SO_RCVBUF default %d\n", geti(s, SO_SNDBUF), geti(s, SO_RCVBUF));
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &(int){ 10000 }, 4);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 10000 }, 4);
	printf("after setting 10000: SO_SNDBUF %d SO_RCVBUF %d\n", geti(s, SO_SNDBUF), geti(s, SO_RCVBUF));
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &(int){ 1 }, 4);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 1 }, 4);
	printf("after setting 1: SO_SNDBUF %d SO_RCVBUF %d\n", geti(s, SO_SNDBUF), geti(s, SO_RCVBUF));
	int opts[] = { SO_REUSEADDR, SO_KEEPALIVE, SO_PASSCRED, SO_BROADCAST, SO_REUSEPORT };
	const char *names[] = { "SO_REUSEADDR", "SO_KEEPALIVE", "SO_PASSCRED", "SO_BROADCAST", "SO_REUSEPORT" };
	for (int i = 0; i < 5; i++) {
		int before = geti(s, opts[i]);
		setsockopt(s, SOL_SOCKET, opts[i], &(int){ 7 }, 4);
		printf("%s: %d -> %d\n", names[i], before, geti(s, opts[i]));
	}
	struct linger lg = { 1, 5 };
	TRY("SO_LINGER set", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	memset(&lg, 0, sizeof lg);
	socklen_t l = sizeof lg;
	getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
	printf("SO_LINGER: %d %d len %u\n", lg.l_onoff, lg.l_linger, l);
	struct timeval tv = { 1, 500000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	memset(&tv, 0, sizeof tv);
	l = sizeof tv;
	getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	printf("SO_RCVTIMEO: %ld.%06ld len %u\n", (long)tv.tv_sec, (long)tv.tv_usec, l);
	tv.tv_usec = 2000000;
	TRY("SO_RCVTIMEO bad usec", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	char small[2] = { 9, 9 };
	l = 2;
	TRY("getsockopt SO_TYPE into 2 bytes", getsockopt(s, SOL_SOCKET, SO_TYPE, small, &l));
	printf("  got %d %d len %u\n", small[0], small[1], l);
	l = 64;
	int big[16];
	getsockopt(s, SOL_SOCKET, SO_TYPE, big, &l);
	printf("getsockopt SO_TYPE into 64 bytes: len %u\n", l);
	struct stat st;
	fstat(s, &st);
	printf("fstat: %s mode %o\n", ftype(st.st_mode), st.st_mode & 07777);
	close(s);
}

static void names(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a;
	socklen_t l = sizeof a;
	TRY("autobind", bind(s, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t)));
	getsockname(s, (struct sockaddr *)&a, &l);
	printf("autobind name length %u, abstract %s, 5 hex digits %s\n", l, yesno(a.sun_path[0] == 0),
	       yesno(strspn(a.sun_path + 1, "0123456789abcdef") == 5));
	TRY("bind again", bind(s, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t)));
	close(s);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	const char *p = tpath("named");
	socklen_t al = mkaddr(&a, p);
	bind(s, (struct sockaddr *)&a, sizeof a);
	memset(&a, 0, sizeof a);
	l = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &l);
	printf("bound name length is offsetof+strlen+1: %s\n", yesno(l == al));
	l = 4;
	memset(&a, 0x55, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &l);
	printf("short buffer: reported %s, copied 4: %s\n", yesno(l == al), yesno((unsigned char)a.sun_path[2] == 0x55));
	struct stat st;
	stat(p, &st);
	printf("socket file: %s mode %o\n", ftype(st.st_mode), st.st_mode & 0777);
	TRY("bind a second path", bind(s, (struct sockaddr *)&a, mkaddr(&a, tpath("other"))));
	int f = open(p, O_RDONLY);
	TRY("open a socket file", f);
	close(s);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	al = mkaddr(&a, p);
	TRY("connect to a closed socket's file", connect(c, (struct sockaddr *)&a, al));
	write_file(tpath("regular"), "x", 0644);
	al = mkaddr(&a, tpath("regular"));
	TRY("connect to a regular file", connect(c, (struct sockaddr *)&a, al));
	al = mkaddr(&a, tpath("nodir/x"));
	TRY("bind under a missing directory", bind(c, (struct sockaddr *)&a, al));
	close(c);

	/* a datagram socket on a path refuses a stream connect */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	al = mkaddr(&a, tpath("dg"));
	bind(d, (struct sockaddr *)&a, al);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("stream connect to a dgram socket", connect(c, (struct sockaddr *)&a, al));
	close(c);
	close(d);

	/* abstract names are per type */
	struct sockaddr_un ab = { .sun_family = AF_UNIX };
	char an[300];
	snprintf(an, sizeof an, "tuml-calls-%s", basename_of(tuml_tmpdir));
	memcpy(ab.sun_path + 1, an, strlen(an));
	socklen_t abl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(an));
	int x1 = socket(AF_UNIX, SOCK_STREAM, 0), x2 = socket(AF_UNIX, SOCK_DGRAM, 0), x3 = socket(AF_UNIX, SOCK_STREAM, 0);
	TRY("abstract bind stream", bind(x1, (struct sockaddr *)&ab, abl));
	TRY("same abstract name, dgram", bind(x2, (struct sockaddr *)&ab, abl));
	TRY("same abstract name, stream again", bind(x3, (struct sockaddr *)&ab, abl));
	l = sizeof a;
	getsockname(x1, (struct sockaddr *)&a, &l);
	printf("abstract name length as given: %s\n", yesno(l == abl));
	close(x1);
	TRY("name free after close", bind(x3, (struct sockaddr *)&ab, abl));
	close(x2);
	close(x3);
}

static int send_fds(int s, int *fds, int n)
{
	char dummy = 'F';
	struct iovec iov = { &dummy, 1 };
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	memset(cbuf, 0, sizeof cbuf);
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return (int)sendmsg(s, &m, 0);
}

static void messages(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* gather and scatter */
	struct iovec out[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 3 };
	TRYV("sendmsg 3 iovecs", sendmsg(sv[0], &m, 0));
	char b1[3] = { 0 }, b2[8] = { 0 };
	struct iovec in[2] = { { b1, 2 }, { b2, 8 } };
	struct msghdr r = { .msg_iov = in, .msg_iovlen = 2 };
	TRYV("recvmsg 2 iovecs", recvmsg(sv[1], &r, 0));
	printf("  [%s][%s] flags %d controllen %zu\n", b1, b2, r.msg_flags, (size_t)r.msg_controllen);

	/* SCM_RIGHTS: two fds, a control buffer with room for one */
	int p[2];
	CHECK(pipe(p) == 0);
	TRYV("send 2 fds", send_fds(sv[0], p, 2));
	char d;
	struct iovec iv = { &d, 1 };
	char cb[CMSG_SPACE(sizeof(int))];
	struct msghdr rm = { .msg_iov = &iv, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb };
	TRYV("recvmsg with room for 1 fd", recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC));
	struct cmsghdr *c = CMSG_FIRSTHDR(&rm);
	int got = -1;
	if (c)
		memcpy(&got, CMSG_DATA(c), sizeof got);
	printf("  MSG_CTRUNC %s, MSG_CMSG_CLOEXEC in msg_flags %s, cmsg_len %zu, controllen %zu, cloexec %d\n",
	       yesno(rm.msg_flags & MSG_CTRUNC), yesno(rm.msg_flags & MSG_CMSG_CLOEXEC), c ? (size_t)c->cmsg_len : 0,
	       (size_t)rm.msg_controllen, fcntl(got, F_GETFD));
	write(p[1], "via", 3);
	char vb[4] = { 0 };
	read(got, vb, 3);
	printf("  received pipe end works: %s\n", vb);
	close(got);
	TRYV("send an fd", send_fds(sv[0], p, 1));
	struct msghdr nm = { .msg_iov = &iv, .msg_iovlen = 1 };
	TRYV("recvmsg without a control buffer", recvmsg(sv[1], &nm, 0));
	printf("  MSG_CTRUNC %s\n", yesno(nm.msg_flags & MSG_CTRUNC));
	int bad = 999;
	TRY("send a bad fd", send_fds(sv[0], &bad, 1));
	/* fds and data: a read stops after the buffer that carried fds */
	send_fds(sv[0], p, 1);
	write(sv[0], "tail", 4);
	char rb[16];
	struct iovec riv = { rb, sizeof rb };
	struct msghdr fm = { .msg_iov = &riv, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb };
	TRYV("read stops after the fd-carrying byte", recvmsg(sv[1], &fm, 0));
	c = CMSG_FIRSTHDR(&fm);
	if (c && c->cmsg_type == SCM_RIGHTS) {
		memcpy(&got, CMSG_DATA(c), sizeof got);
		close(got);
	}
	TRYV("then the rest", recv(sv[1], rb, sizeof rb, 0));
	close(p[0]);
	close(p[1]);

	/* SCM_CREDENTIALS with SO_PASSCRED */
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, 4);
	write(sv[0], "cred", 4);
	char ccb[CMSG_SPACE(sizeof(struct ucred))];
	struct msghdr cm = { .msg_iov = &riv, .msg_iovlen = 1, .msg_control = ccb, .msg_controllen = sizeof ccb };
	TRYV("recvmsg with SO_PASSCRED", recvmsg(sv[1], &cm, 0));
	c = CMSG_FIRSTHDR(&cm);
	if (c && c->cmsg_type == SCM_CREDENTIALS) {
		struct ucred u;
		memcpy(&u, CMSG_DATA(c), sizeof u);
		printf("  SCM_CREDENTIALS pid==getpid %s uid==getuid %s gid==getgid %s\n", yesno(u.pid == getpid()),
		       yesno(u.uid == getuid()), yesno(u.gid == getgid()));
	} else
		printf("  no SCM_CREDENTIALS\n");
	/* (claiming another pid is EPERM or, with CAP_SYS_ADMIN, ESRCH: privilege-dependent, not printed) */
	struct ucred fake = { getpid(), getuid(), getgid() };
	char fcb[CMSG_SPACE(sizeof fake)];
	memset(fcb, 0, sizeof fcb);
	struct iovec fiv = { "f", 1 };
	struct msghdr fmm = { .msg_iov = &fiv, .msg_iovlen = 1, .msg_control = fcb, .msg_controllen = sizeof fcb };
	c = CMSG_FIRSTHDR(&fmm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof fake);
	fake.pid = getpid();
	memcpy(CMSG_DATA(c), &fake, sizeof fake);
	TRYV("claim own credentials", sendmsg(sv[0], &fmm, 0));
	recv(sv[1], rb, sizeof rb, 0);
	c->cmsg_type = 77;
	TRY("unknown SOL_SOCKET cmsg type", sendmsg(sv[0], &fmm, 0));
	close(sv[0]);
	close(sv[1]);

	/* MSG_WAITALL across writes from a child */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t ch = xfork();
	if (ch == 0) {
		for (int i = 0; i < 4; i++) {
			write(sv[1], "ab", 2);
			msleep(20);
		}
		_exit(0);
	}
	char wb[8];
	TRYV("MSG_WAITALL 8 bytes", recv(sv[0], wb, 8, MSG_WAITALL));
	wait_report("writer", ch);
	close(sv[0]);
	close(sv[1]);

	/* sendmmsg / recvmmsg on datagrams */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	struct mmsghdr mm[3];
	struct iovec mi[3] = { { "one", 3 }, { "three", 5 }, { "xx", 2 } };
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &mi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	TRYV("sendmmsg 3", sendmmsg(sv[0], mm, 3, 0));
	printf("  lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
	char rbufs[4][8];
	struct iovec ri[4];
	struct mmsghdr rmm[4];
	memset(rmm, 0, sizeof rmm);
	for (int i = 0; i < 4; i++) {
		ri[i].iov_base = rbufs[i];
		ri[i].iov_len = 4;
		rmm[i].msg_hdr.msg_iov = &ri[i];
		rmm[i].msg_hdr.msg_iovlen = 1;
	}
	TRYV("recvmmsg 4 with MSG_DONTWAIT", recvmmsg(sv[1], rmm, 4, MSG_DONTWAIT, NULL));
	printf("  lengths %u %u %u, second truncated %s\n", rmm[0].msg_len, rmm[1].msg_len, rmm[2].msg_len,
	       yesno(rmm[1].msg_hdr.msg_flags & MSG_TRUNC));
	int avail = -1;
	send(sv[0], "12345", 5, 0);
	send(sv[0], "12", 2, 0);
	ioctl(sv[1], FIONREAD, &avail);
	printf("FIONREAD dgram (first datagram): %d\n", avail);
	close(sv[0]);
	close(sv[1]);
}

static void flow(void)
{
	int sv[2];
	char buf[1000];
	memset(buf, 'z', sizeof buf);
	signal(SIGPIPE, SIG_IGN);

	/* a non-blocking stream fills its send buffer */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	printf("fresh stream: %s\n", pollstr(sv[0], POLLIN | POLLOUT));
	long n = 0;
	while (write(sv[0], buf, sizeof buf) > 0)
		n += sizeof buf;
	printf("stream send buffer fills after %ld bytes (then %s)\n", n, errname(errno));
	printf("full writer: %s; reader: %s\n", pollstr(sv[0], POLLIN | POLLOUT), pollstr(sv[1], POLLIN | POLLOUT));
	int avail = -1;
	ioctl(sv[1], FIONREAD, &avail);
	printf("FIONREAD stream: %s\n", yesno(avail == n));
	long r = 0;
	ssize_t k;
	while ((k = read(sv[1], buf, sizeof buf)) > 0)
		r += k;
	printf("drained %s; writer again: %s\n", yesno(r == n), pollstr(sv[0], POLLOUT));
	TRY("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
	printf("after peer SHUT_RD: writer %s, reader %s\n", pollstr(sv[0], POLLIN | POLLOUT), pollstr(sv[1], POLLIN | POLLOUT));
	TRY("write to a peer that shut reading", write(sv[0], "x", 1));
	TRYV("read after own SHUT_RD", read(sv[1], buf, 1));
	close(sv[0]);
	close(sv[1]);

	/* closing with unread data resets the peer */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	write(sv[0], "unread", 6);
	close(sv[1]);
	printf("peer closed with our data unread: %s\n", pollstr(sv[0], POLLIN | POLLOUT));
	TRY("read", read(sv[0], buf, 1));
	TRYV("read again", read(sv[0], buf, 1));
	TRY("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);

	/* SO_RCVTIMEO */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct timeval tv = { 0, 50000 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	TRY("recv with SO_RCVTIMEO", recv(sv[0], buf, 1, 0));
	close(sv[0]);
	close(sv[1]);

	/* datagram queue limit of an unconnected receiver */
	int rcv = socket(AF_UNIX, SOCK_DGRAM, 0), snd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, tpath("q"));
	CHECK(bind(rcv, (struct sockaddr *)&a, al) == 0);
	int q = 0;
	while (sendto(snd, "d", 1, 0, (struct sockaddr *)&a, al) == 1)
		q++;
	printf("unconnected receiver queues %d datagrams (then %s)\n", q, errname(errno));
	char *huge = calloc(1, 300000);
	TRY("300000-byte datagram", sendto(snd, huge, 300000, 0, (struct sockaddr *)&a, al));
	free(huge);
	struct sockaddr_un from;
	socklen_t fl = sizeof from;
	recvfrom(rcv, buf, 1, 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom an unbound sender: addrlen %u\n", fl);
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, al) == 0);
	int other = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un oa;
	socklen_t ol = mkaddr(&oa, tpath("o"));
	bind(other, (struct sockaddr *)&oa, ol);
	CHECK(connect(rcv, (struct sockaddr *)&oa, ol) == 0);
	TRY("send to a receiver connected elsewhere", send(c, "x", 1, MSG_DONTWAIT));
	close(rcv);
	TRY("send after the receiver closed", send(c, "x", 1, MSG_DONTWAIT));
	TRY("send again (now unconnected)", send(c, "x", 1, MSG_DONTWAIT));
	close(c);
	close(other);
	close(snd);
}

static void listeners(void)
{
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, tpath("l"));
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, al) == 0);
	printf("bound, unlistening: %s\n", pollstr(s, POLLIN | POLLOUT));
	CHECK(listen(s, 1) == 0);
	printf("SO_ACCEPTCONN %d; idle listener: %s\n", geti(s, SO_ACCEPTCONN), pollstr(s, POLLIN | POLLOUT));
	int c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		printf("connect %d with backlog 1: %s\n", i, connect(c[i], (struct sockaddr *)&a, al) < 0 ? errname(errno) : "ok");
	}
	printf("listener with pending: %s\n", pollstr(s, POLLIN | POLLOUT));
	TRY("connect twice", connect(c[0], (struct sockaddr *)&a, al));
	write(c[0], "early", 5);
	struct sockaddr_un pa;
	socklen_t pl = sizeof pa;
	int acc = accept4(s, (struct sockaddr *)&pa, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	TRY("accept4", acc);
	printf("accepted: NONBLOCK %d CLOEXEC %d peer addrlen %u\n", !!(fcntl(acc, F_GETFL) & O_NONBLOCK), fcntl(acc, F_GETFD), pl);
	char buf[16];
	TRYV("data sent before accept", read(acc, buf, sizeof buf));
	struct sockaddr_un na;
	socklen_t nl = sizeof na;
	getsockname(acc, (struct sockaddr *)&na, &nl);
	printf("accepted socket's name is the listener's: %s\n", yesno(nl == al && !strcmp(na.sun_path, a.sun_path)));
	nl = sizeof na;
	getpeername(c[0], (struct sockaddr *)&na, &nl);
	printf("client's peer name is the listener's: %s\n", yesno(nl == al));
	close(s);
	printf("client whose connection was never accepted, after listener close: %s\n", pollstr(c[1], POLLIN | POLLOUT));
	TRY("its read", read(c[1], buf, 1));
	for (int i = 0; i < 4; i++)
		close(c[i]);
	close(acc);
}

int main(void)
{
	make_tmpdir();
	errors();
	options();
	names();
	messages();
	flow();
	listeners();
	return 0;
}
