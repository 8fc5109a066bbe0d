/*
 * TCP benchmarks: `tcp loop MB` (throughput over 127.0.0.1, a forked reader),
 * `tcp connect N` (connections per second over 127.0.0.1), `tcp send ADDR
 * PORT MB` (throughput to a server elsewhere, which must read to EOF and
 * close). Each prints its figure on the last line.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int listener(struct sockaddr_in *a)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof *a;
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)a, sizeof *a) || listen(l, 128)) { perror("listen"); exit(1); }
	getsockname(l, (struct sockaddr *)a, &len);
	return l;
}

static void send_mb(int fd, long mb)
{
	static char buf[65536];
	for (long left = mb << 20; left > 0;) {
		ssize_t n = write(fd, buf, left < (long)sizeof buf ? left : (long)sizeof buf);
		if (n <= 0) { perror("write"); exit(1); }
		left -= n;
	}
	shutdown(fd, SHUT_WR);
	char c;
	while (read(fd, &c, 1) > 0) ;   /* the reader closes when it has it all */
}

int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	struct sockaddr_in a;
	if (!strcmp(argv[1], "loop")) {
		long mb = atol(argv[2]);
		int l = listener(&a);
		if (fork() == 0) {
			int s = accept(l, NULL, NULL);
			static char buf[65536];
			while (read(s, buf, sizeof buf) > 0) ;
			close(s);
			_exit(0);
		}
		int c = socket(AF_INET, SOCK_STREAM, 0);
		double t0 = now();
		if (connect(c, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
		send_mb(c, mb);
		wait(NULL);
		printf("%.1f\n", mb / (now() - t0));
		return 0;
	}
	if (!strcmp(argv[1], "connect")) {
		int n = atoi(argv[2]);
		int l = listener(&a);
		if (fork() == 0) {
			for (int i = 0; i < n; i++) close(accept(l, NULL, NULL));
			_exit(0);
		}
		double t0 = now();
		for (int i = 0; i < n; i++) {
			int c = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(c, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
			close(c);
		}
		wait(NULL);
		printf("%.0f\n", n / (now() - t0));
		return 0;
	}
	if (!strcmp(argv[1], "send") && argc == 5) {
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_port = htons(atoi(argv[3]));
		inet_pton(AF_INET, argv[2], &a.sin_addr);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		double t0 = now();
		if (connect(c, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
		send_mb(c, atol(argv[4]));
		printf("%.1f\n", atol(argv[4]) / (now() - t0));
		return 0;
	}
	return 2;
}
