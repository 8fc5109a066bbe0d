/* fd inheritance across execve; O_CLOEXEC / FD_CLOEXEC fds are closed. */
#include "common.h"

static void describe(const char *name, int fd)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0) {
		printf("  %s: closed (%s)\n", name, errname(errno));
		return;
	}
	int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	printf("  %s: open, FD_CLOEXEC=%d, accmode=%s, offset=%ld\n", name, fl & FD_CLOEXEC,
	       acc == O_RDONLY ? "r" : acc == O_WRONLY ? "w" : "rw", (long)pos);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child")) {
		printf("after exec:\n");
		for (int i = 2; i + 1 < argc; i += 2)
			describe(argv[i], atoi(argv[i + 1]));
		/* the inherited pipe still works */
		int wfd = atoi(argv[argc - 1]);
		if (wfd > 0 && fcntl(wfd, F_GETFD) >= 0)
			write(wfd, "via-inherited-pipe", 18);
		return 0;
	}
	make_tmpdir();
	write_file(tpath("f"), "0123456789", 0644);
	int keep = open(tpath("f"), O_RDONLY);
	int cloexec = open(tpath("f"), O_RDONLY | O_CLOEXEC);
	int setfd = open(tpath("f"), O_RDWR);
	CHECK(keep >= 0 && cloexec >= 0 && setfd >= 0);
	CHECK(fcntl(setfd, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(lseek(keep, 4, SEEK_SET) == 4);
	int dupc = fcntl(keep, F_DUPFD_CLOEXEC, 20);
	int dupk = dup(cloexec); /* dup clears FD_CLOEXEC */
	int d3 = dup3(keep, 30, O_CLOEXEC);
	int pfd[2];
	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	int pw = dup(pfd[1]);
	CHECK(dupc >= 0 && dupk >= 0 && d3 == 30 && pw >= 0);

	printf("before exec:\n");
	describe("keep", keep);
	describe("cloexec", cloexec);
	describe("setfd", setfd);
	describe("dupfd_cloexec", dupc);
	describe("dup_of_cloexec", dupk);
	describe("dup3_cloexec", d3);
	describe("pipe_cloexec_w", pfd[1]);
	describe("pipe_dup_w", pw);

	char b[7][16];
	int fds[7] = { keep, cloexec, setfd, dupc, dupk, d3, pfd[1] };
	for (int i = 0; i < 7; i++)
		snprintf(b[i], sizeof b[i], "%d", fds[i]);
	char pwb[16];
	snprintf(pwb, sizeof pwb, "%d", pw);
	char *args[] = { argv[0], "--child", "keep", b[0], "cloexec", b[1], "setfd", b[2],
			 "dupfd_cloexec", b[3], "dup_of_cloexec", b[4], "dup3_cloexec", b[5],
			 "pipe_cloexec_w", b[6], "pipe_dup_w", pwb, NULL };
	pid_t p = xfork();
	if (p == 0) {
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(pw);
	close(pfd[1]);
	int st;
	CHECK(waitpid(p, &st, 0) == p);
	printf("child: %s\n", wstatus_str(st));
	char buf[64] = { 0 };
	ssize_t n = read(pfd[0], buf, sizeof buf - 1);
	printf("parent read from pipe: %zd [%s]\n", n, n > 0 ? buf : "");
	n = read(pfd[0], buf, sizeof buf - 1);
	printf("then EOF: %s\n", yesno(n == 0));
	/* offset shared with the exec'd child via the inherited description */
	printf("parent's keep offset after child: %ld\n", (long)lseek(keep, 0, SEEK_CUR));
	return 0;
}
