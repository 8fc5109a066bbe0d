/* utimensat/futimens/utimes with fixed times, UTIME_OMIT, UTIME_NOW sanity,
 * AT_SYMLINK_NOFOLLOW, then stat; mtime changes on write. */
#include "common.h"
#include <sys/time.h>

static void times_of(const char *label, const char *p, int nofollow)
{
	struct stat st;
	int r = nofollow ? lstat(p, &st) : stat(p, &st);
	if (r < 0) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	printf("%s: atime=%ld.%09ld mtime=%ld.%09ld\n", label, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void)
{
	make_tmpdir();
	const char *f = tpath("f");
	write_file(f, "data", 0644);
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };
	TRY("utimensat fixed", utimensat(AT_FDCWD, f, ts, 0));
	times_of("after fixed", f, 0);

	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1500000000, 5 } };
	TRY("utimensat atime OMIT", utimensat(AT_FDCWD, f, omit, 0));
	times_of("after omit", f, 0);
	struct timespec omit2[2] = { { 1600000000, 0 }, { 0, UTIME_OMIT } };
	int fd = open(f, O_RDWR);
	TRY("futimens mtime OMIT", futimens(fd, omit2));
	times_of("after futimens", f, 0);

	struct timespec before;
	clock_gettime(CLOCK_REALTIME, &before);
	TRY("utimensat NULL (now)", utimensat(AT_FDCWD, f, NULL, 0));
	struct stat st;
	stat(f, &st);
	printf("times set to about now: %s\n",
	       yesno(st.st_mtim.tv_sec >= before.tv_sec - 1 && st.st_mtim.tv_sec <= before.tv_sec + 5));

	/* symlink's own times */
	symlink("f", tpath("ln"));
	utimensat(AT_FDCWD, f, ts, 0);
	struct timespec lts[2] = { { 1111111111, 0 }, { 1222222222, 0 } };
	TRY("utimensat NOFOLLOW on symlink", utimensat(AT_FDCWD, tpath("ln"), lts, AT_SYMLINK_NOFOLLOW));
	times_of("symlink", tpath("ln"), 1);
	times_of("target unchanged", f, 0);
	TRY("utimensat follows symlink", utimensat(AT_FDCWD, tpath("ln"), lts, 0));
	times_of("target now", f, 0);

	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	TRY("utimensat invalid nsec", utimensat(AT_FDCWD, f, bad, 0));
	TRY("utimensat missing", utimensat(AT_FDCWD, tpath("missing"), ts, 0));
	TRY("utimensat bad flags", utimensat(AT_FDCWD, f, ts, 0x4));

	/* utimes (microseconds) and pre-epoch times */
	struct timeval tv[2] = { { 946684800, 250000 }, { 946684801, 500000 } };
	TRY("utimes", utimes(f, tv));
	times_of("after utimes", f, 0);
	struct timespec neg[2] = { { -100, 0 }, { -1, 0 } };
	TRY("utimensat negative (pre-1970)", utimensat(AT_FDCWD, f, neg, 0));
	times_of("pre-epoch", f, 0);

	/* writing updates mtime (compared with the fixed old value) */
	utimensat(AT_FDCWD, f, ts, 0);
	write_all(fd, "x", 1);
	stat(f, &st);
	printf("write updated mtime: %s\n", yesno(st.st_mtim.tv_sec != ts[1].tv_sec));
	/* ctime is not settable and moves forward on utimensat */
	printf("ctime >= mtime after write: %s\n",
	       yesno(st.st_ctim.tv_sec > st.st_mtim.tv_sec ||
		     (st.st_ctim.tv_sec == st.st_mtim.tv_sec && st.st_ctim.tv_nsec >= st.st_mtim.tv_nsec)));

	/* directory mtime changes when an entry is added */
	mkdir(tpath("d"), 0755);
	utimensat(AT_FDCWD, tpath("d"), ts, 0);
	write_file(tpath("d/new"), "", 0644);
	stat(tpath("d"), &st);
	printf("dir mtime updated by create: %s\n", yesno(st.st_mtim.tv_sec != ts[1].tv_sec));
	return 0;
}
