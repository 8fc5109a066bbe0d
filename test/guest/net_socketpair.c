/* socketpair (stream/dgram/seqpacket): data, message boundaries, shutdown,
 * SCM_RIGHTS fd passing, SO_PEERCRED relations, MSG_PEEK/MSG_DONTWAIT. */
#include "common.h"
#include <sys/socket.h>
#include <sys/un.h>

static int send_fd(int sock, int fd)
{
	char dummy = 'F';
	struct iovec iov = { &dummy, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof cbuf);
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return (int)sendmsg(sock, &m, 0);
}

static int recv_fd(int sock)
{
	char dummy;
	struct iovec iov = { &dummy, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	if (recvmsg(sock, &m, 0) <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -2;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

int main(void)
{
	int sv[2];
	TRY("socketpair STREAM", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	write_all(sv[0], "hello", 5);
	write_all(sv[0], "world", 5);
	char buf[64] = { 0 };
	ssize_t n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
	printf("peek: %zd [%.*s]\n", n, (int)n, buf);
	n = read(sv[1], buf, sizeof buf);
	printf("stream read merges writes: %zd [%.*s]\n", n, (int)n, buf);
	TRY("recv MSG_DONTWAIT empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
	write_all(sv[1], "back", 4);
	n = read(sv[0], buf, sizeof buf);
	printf("bidirectional: %zd [%.*s]\n", n, (int)n, buf);
	TRY("shutdown(SHUT_WR)", shutdown(sv[0], SHUT_WR));
	TRYV("peer reads EOF", read(sv[1], buf, sizeof buf));
	signal(SIGPIPE, SIG_IGN);
	TRY("write after SHUT_WR", write(sv[0], "x", 1));
	TRYV("other direction still works", write(sv[1], "y", 1));
	close(sv[0]);
	TRY("write to closed peer", write(sv[1], "z", 1));
	close(sv[1]);

	TRY("socketpair DGRAM", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	n = recv(sv[1], buf, sizeof buf, 0);
	printf("dgram 1: %zd [%.*s]\n", n, (int)n, buf);
	n = recv(sv[1], buf, 2, 0);
	printf("dgram 2 truncated to 2: %zd [%.*s]\n", n, (int)n, buf);
	send(sv[0], "trunc-me", 8, 0);
	n = recv(sv[1], buf, 3, MSG_TRUNC);
	printf("MSG_TRUNC returns real length: %zd\n", n);
	close(sv[0]);
	close(sv[1]);

	TRY("socketpair SEQPACKET", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	send(sv[0], "abc", 3, 0);
	send(sv[0], "de", 2, 0);
	n = recv(sv[1], buf, sizeof buf, 0);
	printf("seqpacket keeps boundaries: %zd\n", n);
	close(sv[0]);
	TRYV("seqpacket: second record then EOF", recv(sv[1], buf, sizeof buf, 0));
	TRYV("seqpacket EOF", recv(sv[1], buf, sizeof buf, 0));
	close(sv[1]);

	TRY("socketpair AF_INET (unsupported)", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	TRY("socketpair SOCK_CLOEXEC|SOCK_NONBLOCK", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
	printf("flags: CLOEXEC=%d NONBLOCK=%d\n", fcntl(sv[0], F_GETFD), !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);

	/* SO_PEERCRED and SCM_RIGHTS with a child */
	make_tmpdir();
	write_file(tpath("passed"), "content of passed file", 0644);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t c = xfork();
	if (c == 0) {
		close(sv[0]);
		int f = open(tpath("passed"), O_RDONLY);
		lseek(f, 11, SEEK_SET);
		send_fd(sv[1], f);
		close(f);
		char b;
		read(sv[1], &b, 1); /* wait for the parent */
		_exit(0);
	}
	close(sv[1]);
	struct ucred cr;
	socklen_t cl = sizeof cr;
	TRY("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl));
	printf("peercred pid==getpid (pair made before fork): %s uid==getuid: %s gid==getgid: %s\n",
	       yesno(cr.pid == getpid()), yesno(cr.uid == getuid()), yesno(cr.gid == getgid()));
	int got = recv_fd(sv[0]);
	printf("received an fd: %s\n", yesno(got >= 0));
	memset(buf, 0, sizeof buf);
	n = read(got, buf, sizeof buf - 1);
	printf("passed fd shares the offset: [%s]\n", buf);
	write(sv[0], "k", 1);
	wait_report("child", c);
	int type;
	socklen_t tl = sizeof type;
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
	printf("SO_TYPE stream: %s\n", yesno(type == SOCK_STREAM));
	struct sockaddr_un addr;
	socklen_t al = sizeof addr;
	TRY("getsockname on unnamed", getsockname(sv[0], (struct sockaddr *)&addr, &al));
	printf("unnamed address length: %u (family only)\n", al);
	TRY("getpeername after peer exit", getpeername(sv[0], (struct sockaddr *)&addr, &al));
	return 0;
}
