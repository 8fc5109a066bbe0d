/* getrlimit/setrlimit/prlimit: lowering RLIMIT_NOFILE makes open fail with
 * EMFILE, RLIMIT_FSIZE gives SIGXFSZ/EFBIG, soft > hard EINVAL, inheritance. */
#include "common.h"
#include <sys/resource.h>

int main(void)
{
	make_tmpdir();
	struct rlimit rl, orig;
	TRY("getrlimit NOFILE", getrlimit(RLIMIT_NOFILE, &orig));
	printf("soft <= hard: %s\n", yesno(orig.rlim_cur <= orig.rlim_max));

	/* find the highest open fd so the limit is exact */
	int probe = open("/dev/null", O_RDONLY);
	close(probe);
	rl.rlim_cur = (rlim_t)probe + 3;
	rl.rlim_max = orig.rlim_max;
	TRY("setrlimit NOFILE soft = first free fd + 3", setrlimit(RLIMIT_NOFILE, &rl));
	int opened = 0;
	int fds[16];
	for (int i = 0; i < 16; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
		if (fds[i] < 0) {
			printf("open #%d failed: %s\n", i + 1, errname(errno));
			break;
		}
		opened++;
	}
	printf("opened %d fds under the limit\n", opened);
	TRY("dup at the limit", dup(0));
	int p[2];
	TRY("pipe at the limit", pipe(p));
	TRY("dup2 to fd >= limit", dup2(0, (int)rl.rlim_cur));
	TRY("F_DUPFD above the limit", fcntl(0, F_DUPFD, (int)rl.rlim_cur));
	close(fds[0]);
	int again = open("/dev/null", O_RDONLY);
	printf("after closing one, open reuses it: %s\n", yesno(again == fds[0]));
	for (int i = 1; i < opened; i++)
		close(fds[i]);
	close(again);

	rl.rlim_cur = orig.rlim_max;
	rl.rlim_max = orig.rlim_max;
	TRY("raise soft back up to hard", setrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 100;
	rl.rlim_max = 50;
	TRY("soft > hard", setrlimit(RLIMIT_NOFILE, &rl));
	TRY("getrlimit bad resource", getrlimit(1000, &rl));
	TRY("setrlimit bad resource", setrlimit(1000, &orig));

	/* prlimit on self: set and get old in one call */
	struct rlimit newl = { 256, orig.rlim_max }, old;
	TRY("prlimit(0, NOFILE, new, old)", prlimit(0, RLIMIT_NOFILE, &newl, &old));
	printf("old soft was the hard limit: %s\n", yesno(old.rlim_cur == orig.rlim_max));
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("now soft: %lu\n", (unsigned long)rl.rlim_cur);

	/* inherited by children */
	pid_t c = xfork();
	if (c == 0) {
		struct rlimit cr;
		getrlimit(RLIMIT_NOFILE, &cr);
		printf("child soft NOFILE: %lu\n", (unsigned long)cr.rlim_cur);
		_exit(0);
	}
	wait_report("child", c);

	/* RLIMIT_FSIZE: default SIGXFSZ kills; ignored -> EFBIG and a short write */
	c = xfork();
	if (c == 0) {
		struct rlimit fl = { 10, 10 };
		struct rlimit core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &core);
		setrlimit(RLIMIT_FSIZE, &fl);
		int fd = open(tpath("fsize"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		write(fd, "0123456789ABCDEF", 16); /* short write of 10 */
		write(fd, "X", 1);                 /* at the limit: SIGXFSZ */
		_exit(0);
	}
	wait_report("write past RLIMIT_FSIZE", c);
	c = xfork();
	if (c == 0) {
		/* only the soft limit is lowered (stdout may be a file too), and
		 * restored before printing */
		struct rlimit saved, fl;
		getrlimit(RLIMIT_FSIZE, &saved);
		fl.rlim_cur = 10;
		fl.rlim_max = saved.rlim_max;
		signal(SIGXFSZ, SIG_IGN);
		int fd = open(tpath("fsize2"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		setrlimit(RLIMIT_FSIZE, &fl);
		ssize_t n1 = write(fd, "0123456789ABCDEF", 16);
		ssize_t n2 = write(fd, "X", 1);
		int e2 = errno;
		int t = ftruncate(fd, 100);
		int e3 = errno;
		setrlimit(RLIMIT_FSIZE, &saved);
		printf("child: first write short: %zd\n", n1);
		printf("child: write at limit, SIGXFSZ ignored: %zd %s\n", n2, n2 < 0 ? errname(e2) : "");
		printf("child: ftruncate beyond limit: %d %s\n", t, t < 0 ? errname(e3) : "");
		_exit(0);
	}
	wait_report("child", c);

	/* RLIMIT_CORE and RLIMIT_STACK round trips */
	struct rlimit cl = { 0, 0 };
	getrlimit(RLIMIT_CORE, &rl);
	cl.rlim_max = rl.rlim_max;
	TRY("set RLIMIT_CORE soft 0", setrlimit(RLIMIT_CORE, &cl));
	getrlimit(RLIMIT_CORE, &rl);
	printf("RLIMIT_CORE soft now: %lu\n", (unsigned long)rl.rlim_cur);
	getrlimit(RLIMIT_STACK, &rl);
	printf("RLIMIT_STACK soft > 0: %s\n", yesno(rl.rlim_cur > 0));
	/* lowering the hard limit is allowed, raising it back is not for
	 * unprivileged users -- skipped because it depends on privilege. */
	return 0;
}
