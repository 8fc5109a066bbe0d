/* epoll: create1, ctl ADD/MOD/DEL and their errors, level vs edge triggered,
 * EPOLLONESHOT, data round trip, HUP, blocking wait woken by a child. */
#include "common.h"
#include <sys/epoll.h>

static void wait_show(const char *label, int ep, int timeout)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, timeout);
	printf("%s: %d", label, n);
	if (n < 0)
		printf(" %s", errname(errno));
	for (int i = 0; i < n; i++) {
		uint32_t e = ev[i].events;
		printf(" [data=%llu %s%s%s%s]", (unsigned long long)ev[i].data.u64, e & EPOLLIN ? "IN " : "",
		       e & EPOLLOUT ? "OUT " : "", e & EPOLLHUP ? "HUP " : "", e & EPOLLERR ? "ERR " : "");
	}
	printf("\n");
}

int main(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	TRY("epoll_create1(EPOLL_CLOEXEC)", ep);
	printf("FD_CLOEXEC: %d\n", fcntl(ep, F_GETFD));
	TRY("epoll_create1 bad flags", epoll_create1(1));
	TRY("epoll_create(0)", epoll_create(0));

	int p[2];
	CHECK(pipe(p) == 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ULL };
	TRY("ADD read end (level)", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	TRY("ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	wait_show("empty pipe, timeout 0", ep, 0);
	wait_show("empty pipe, timeout 20ms", ep, 20);
	write_all(p[1], "ab", 2);
	wait_show("level: after write", ep, 0);
	wait_show("level: again without reading", ep, 0);
	char c;
	read(p[0], &c, 1);
	wait_show("level: one byte left", ep, 0);
	read(p[0], &c, 1);
	wait_show("level: drained", ep, 0);

	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 7;
	TRY("MOD to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	write_all(p[1], "cd", 2);
	wait_show("edge: after write", ep, 0);
	wait_show("edge: again without reading", ep, 0);
	write_all(p[1], "e", 1);
	wait_show("edge: new data arrives", ep, 0);
	char buf[16];
	read(p[0], buf, sizeof buf);

	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 9;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	write_all(p[1], "f", 1);
	wait_show("oneshot: first", ep, 0);
	write_all(p[1], "g", 1);
	wait_show("oneshot: disarmed", ep, 0);
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	wait_show("oneshot: re-armed by MOD", ep, 0);
	read(p[0], buf, sizeof buf);

	TRY("DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	TRY("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	TRY("MOD not registered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	write_all(p[1], "h", 1);
	wait_show("after DEL", ep, 0);
	read(p[0], buf, sizeof buf);

	/* write end: OUT; then HUP/ERR conditions */
	ev.events = EPOLLOUT;
	ev.data.u64 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	ev.events = EPOLLIN;
	ev.data.u64 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	wait_show("write end writable", ep, 0);
	close(p[1]); /* closing the last fd removes it from the set */
	wait_show("after closing writer: reader sees HUP", ep, 0);

	/* errors */
	int f = open("/proc/self/exe", O_RDONLY);
	TRY("ADD regular file", epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev));
	TRY("ADD epoll fd to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	TRY("ADD bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	TRY("ctl on non-epoll fd", epoll_ctl(f, EPOLL_CTL_ADD, p[0], &ev));
	TRY("bad op", epoll_ctl(ep, 42, p[0], &ev));
	struct epoll_event evs[1];
	TRY("epoll_wait maxevents 0", epoll_wait(ep, evs, 0, 0));
	TRY("epoll_wait on non-epoll fd", epoll_wait(f, evs, 1, 0));

	/* blocking wait woken by a child; nested epoll */
	int q[2];
	pipe(q);
	int ep2 = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.u64 = 42;
	epoll_ctl(ep2, EPOLL_CTL_ADD, q[0], &ev);
	int outer = epoll_create1(0);
	ev.data.u64 = 100;
	TRY("ADD epoll fd into another epoll", epoll_ctl(outer, EPOLL_CTL_ADD, ep2, &ev));
	pid_t k = xfork();
	if (k == 0) {
		msleep(30);
		write(q[1], "z", 1);
		_exit(0);
	}
	wait_show("outer epoll, blocking", outer, -1);
	wait_show("inner epoll", ep2, 0);
	wait_report("child", k);

	/* epoll_pwait with a signal mask */
	sigset_t all;
	sigfillset(&all);
	TRY("epoll_pwait", epoll_pwait(ep2, evs, 1, 0, &all));
	return 0;
}
