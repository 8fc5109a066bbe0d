/* dup, dup2, dup3, F_DUPFD, F_DUPFD_CLOEXEC, lowest-free-fd rule, shared
 * offsets, close_range. fd numbers are printed relative to the first free fd. */
#include "common.h"
#include <sys/syscall.h>

static int base;
#define R(fd) ((fd) < 0 ? (fd) : (fd) - base)

int main(void)
{
	make_tmpdir();
	write_file(tpath("f"), "abcdefghijklmnopqrstuvwxyz", 0644);
	int fd = open(tpath("f"), O_RDWR);
	CHECK(fd >= 0);
	base = fd;
	printf("fds 0-2 open before the test: %s\n", yesno(fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0));

	int d = dup(fd);
	printf("dup -> base+%d\n", R(d));
	char c;
	read(fd, &c, 1);
	read(d, &c, 1);
	printf("offset shared via dup: read '%c', lseek(fd)=%ld\n", c, (long)lseek(fd, 0, SEEK_CUR));
	printf("dup clears FD_CLOEXEC: %d\n", fcntl(d, F_GETFD));

	close(fd);
	int lo = dup(d);
	printf("dup reuses the lowest free fd: base+%d\n", R(lo));

	TRYV("dup2(d, d) returns d (relative)", dup2(d, d) - base);
	TRY("dup2(bad, 50)", dup2(987, base + 50));
	int t = dup2(d, base + 50);
	printf("dup2 to base+50: base+%d\n", R(t));
	int other = open(tpath("f"), O_RDONLY);
	int r = dup2(other, base + 50); /* silently closes the old base+50 */
	printf("dup2 onto an open fd: base+%d, now read-only: %s\n", R(r),
	       yesno((fcntl(base + 50, F_GETFL) & O_ACCMODE) == O_RDONLY));
	TRY("dup3(d, d, 0) same fd", dup3(d, d, 0));
	TRY("dup3 bad flags", dup3(d, base + 51, O_NONBLOCK));
	r = dup3(d, base + 51, O_CLOEXEC);
	printf("dup3 O_CLOEXEC: base+%d FD_CLOEXEC=%d\n", R(r), fcntl(base + 51, F_GETFD));

	r = fcntl(d, F_DUPFD, base + 40);
	printf("F_DUPFD min base+40: base+%d\n", R(r));
	r = fcntl(d, F_DUPFD, base + 40);
	printf("F_DUPFD min base+40 again: base+%d\n", R(r));
	r = fcntl(d, F_DUPFD_CLOEXEC, base + 40);
	printf("F_DUPFD_CLOEXEC min base+40: base+%d FD_CLOEXEC=%d\n", R(r), fcntl(r, F_GETFD));
	TRY("F_DUPFD negative min", fcntl(d, F_DUPFD, -1));
	TRY("F_DUPFD beyond RLIMIT_NOFILE", fcntl(d, F_DUPFD, 1 << 30));
	TRY("dup2 beyond RLIMIT_NOFILE", dup2(d, 1 << 30));

	/* close_range: close base+40..base+51 */
	long cr = syscall(SYS_close_range, base + 40, base + 51, 0);
	TRY("close_range", cr);
	int still = 0;
	for (int i = base + 40; i <= base + 51; i++)
		if (fcntl(i, F_GETFD) >= 0)
			still++;
	printf("fds left open in range: %d\n", still);
	r = dup(d);
	int r2 = dup(d);
	TRY("close_range CLOEXEC flag", syscall(SYS_close_range, r, r2, 4 /* CLOSE_RANGE_CLOEXEC */));
	printf("marked cloexec: %d %d\n", fcntl(r, F_GETFD), fcntl(r2, F_GETFD));
	TRY("close_range first > last", syscall(SYS_close_range, 10, 5, 0));

	TRY("close(d)", close(d));
	TRY("close(d) again", close(d));
	TRY("close(-1)", close(-1));
	TRY("dup(closed)", dup(d));

	/* Redirect stdout through dup2 and restore it. */
	int saved = dup(1);
	int pf[2];
	CHECK(pipe(pf) == 0);
	dup2(pf[1], 1);
	printf("this goes into the pipe");
	dup2(saved, 1);
	close(pf[1]);
	char buf[64] = { 0 };
	ssize_t n = read(pf[0], buf, sizeof buf - 1);
	printf("captured via dup2: %zd [%s]\n", n, buf);
	return 0;
}
