/* signalfd: read signalfd_siginfo, poll readiness, nonblocking EAGAIN, mask update. */
#include "common.h"
#include <poll.h>
#include <sys/signalfd.h>

int main(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	TRY("signalfd", fd);
	printf("FD_CLOEXEC set: %s\n", yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	printf("O_NONBLOCK set: %s\n", yesno(fcntl(fd, F_GETFL) & O_NONBLOCK));

	struct signalfd_siginfo ssi;
	TRY("read with nothing pending", read(fd, &ssi, sizeof ssi));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	printf("poll before signal: %d\n", poll(&pfd, 1, 0));

	union sigval v = { .sival_int = 31337 };
	sigqueue(getpid(), SIGUSR1, v);
	kill(getpid(), SIGUSR2);
	int pr = poll(&pfd, 1, 0);
	printf("poll after signals: %d revents POLLIN=%d\n", pr, !!(pfd.revents & POLLIN));

	TRY("read with short buffer", read(fd, &ssi, sizeof ssi - 1));
	struct signalfd_siginfo two[2];
	ssize_t n = read(fd, two, sizeof two);
	printf("read two at once: %zd bytes (= %zu records)\n", n, n > 0 ? (size_t)n / sizeof ssi : 0);
	for (int i = 0; i < (int)(n / (ssize_t)sizeof ssi); i++)
		printf("  ssi_signo=%s ssi_code=%d ssi_pid==getpid:%s ssi_uid==getuid:%s ssi_int=%d\n",
		       sigabbrev_np(two[i].ssi_signo), two[i].ssi_code, yesno(two[i].ssi_pid == (uint32_t)getpid()),
		       yesno(two[i].ssi_uid == getuid()), two[i].ssi_code == SI_QUEUE ? two[i].ssi_int : 0);
	sigset_t pend;
	sigpending(&pend);
	printf("consumed signals no longer pending: %s\n", yesno(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2)));

	/* Update the mask of the existing fd: USR2 only. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	int r = signalfd(fd, &m, 0);
	printf("signalfd update returns same fd: %s\n", yesno(r == fd));
	raise(SIGUSR1);
	TRY("USR1 no longer in the fd's mask", read(fd, &ssi, sizeof ssi));
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR1);
	int s;
	sigwait(&w, &s);

	/* Child exit seen through signalfd. */
	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int cfd = signalfd(-1, &m, 0);
	pid_t p = xfork();
	if (p == 0)
		_exit(12);
	n = read(cfd, &ssi, sizeof ssi); /* blocking read */
	printf("SIGCHLD via signalfd: %zd bytes signo=%s code=%s status=%d pid==child:%s\n", n, sigabbrev_np(ssi.ssi_signo),
	       ssi.ssi_code == CLD_EXITED ? "CLD_EXITED" : "other", ssi.ssi_status, yesno(ssi.ssi_pid == (uint32_t)p));
	waitpid(p, NULL, 0);

	/* signalfd of a non-signalfd fd -> EINVAL */
	TRY("signalfd(update on a pipe fd)", signalfd(0 + cfd + 100, &m, 0));
	int pp[2];
	pipe(pp);
	TRY("signalfd(update on pipe)", signalfd(pp[0], &m, 0));
	TRY("signalfd bad flags", signalfd(-1, &m, 0x1234));
	return 0;
}
