/* openat with dirfds, O_DIRECTORY/O_NOFOLLOW/O_PATH/O_TMPFILE behaviours and
 * the ENOENT/ENOTDIR/EISDIR/ELOOP errors of open. */
#include "common.h"

int main(void)
{
	make_tmpdir();
	mkdir(tpath("d"), 0755);
	write_file(tpath("d/f"), "in d", 0644);
	write_file(tpath("top"), "top", 0644);
	symlink("d", tpath("dl"));
	symlink("top", tpath("tl"));

	int dfd = open(tpath("d"), O_RDONLY | O_DIRECTORY);
	TRY("open dir O_DIRECTORY", dfd);
	int fd = openat(dfd, "f", O_RDONLY);
	TRY("openat(dirfd, \"f\")", fd);
	char buf[32] = { 0 };
	read(fd, buf, sizeof buf - 1);
	printf("content: %s\n", buf);
	TRY("openat(dirfd, \"../top\")", openat(dfd, "../top", O_RDONLY));
	TRY("openat absolute ignores dirfd", openat(999, tpath("top"), O_RDONLY));
	TRY("openat relative with bad dirfd", openat(999, "f", O_RDONLY));
	TRY("openat relative with file fd", openat(fd, "x", O_RDONLY));
	TRY("openat AT_FDCWD relative", (chdir(tuml_tmpdir), openat(AT_FDCWD, "top", O_RDONLY)));
	TRY("openat create in dirfd", openat(dfd, "new", O_CREAT | O_WRONLY, 0600));
	struct stat st;
	printf("created in d: %s\n", yesno(stat(tpath("d/new"), &st) == 0));

	TRY("O_DIRECTORY on a file", open(tpath("top"), O_RDONLY | O_DIRECTORY));
	TRY("O_DIRECTORY on symlink to dir", open(tpath("dl"), O_RDONLY | O_DIRECTORY));
	TRY("O_NOFOLLOW on symlink", open(tpath("tl"), O_RDONLY | O_NOFOLLOW));
	TRY("O_NOFOLLOW on symlink to dir with O_DIRECTORY", open(tpath("dl"), O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
	TRY("O_NOFOLLOW on regular file", open(tpath("top"), O_RDONLY | O_NOFOLLOW));
	TRY("O_NOFOLLOW only applies to last component", open(tpath("dl/f"), O_RDONLY | O_NOFOLLOW));
	int pfd = open(tpath("tl"), O_PATH | O_NOFOLLOW);
	TRY("O_PATH|O_NOFOLLOW on symlink", pfd);
	fstat(pfd, &st);
	printf("O_PATH fd refers to: %s\n", ftype(st.st_mode));

	TRY("open missing", open(tpath("missing"), O_RDONLY));
	TRY("open missing/x", open(tpath("missing/x"), O_RDONLY));
	TRY("open top/x (ENOTDIR)", open(tpath("top/x"), O_RDONLY));
	TRY("open dir O_WRONLY", open(tpath("d"), O_WRONLY));
	TRY("open dir O_RDWR", open(tpath("d"), O_RDWR));
	TRY("open dir O_RDONLY", open(tpath("d"), O_RDONLY));
	TRY("open dir O_CREAT", open(tpath("d"), O_RDONLY | O_CREAT, 0644));
	TRY("O_CREAT with trailing slash", open(tpath("newdir/"), O_RDONLY | O_CREAT, 0644));
	TRY("open top/ (trailing slash on file)", open(tpath("top/"), O_RDONLY));
	TRY("open empty path", open("", O_RDONLY));
	TRY("open O_RDONLY|O_TRUNC on dir", open(tpath("d"), O_RDONLY | O_TRUNC));
	TRY("open invalid accmode 3 on file", open(tpath("top"), 3));
	char longp[PATH_MAX + 10];
	memset(longp, 'a', sizeof longp);
	longp[sizeof longp - 1] = 0;
	TRY("open path > PATH_MAX", open(longp, O_RDONLY));

	/* O_TMPFILE: unnamed file in a directory, linkable via /proc/self/fd */
	int tf = open(tpath("d"), O_TMPFILE | O_RDWR, 0600);
	if (tf < 0) {
		printf("O_TMPFILE: %s\n", errname(errno));
	} else {
		write_all(tf, "tmpdata", 7);
		fstat(tf, &st);
		printf("O_TMPFILE: size=%ld nlink=%ld\n", (long)st.st_size, (long)st.st_nlink);
		char pp[64];
		snprintf(pp, sizeof pp, "/proc/self/fd/%d", tf);
		TRY("linkat it into the tree", linkat(AT_FDCWD, pp, AT_FDCWD, tpath("d/materialized"), AT_SYMLINK_FOLLOW));
		memset(buf, 0, sizeof buf);
		slurp(tpath("d/materialized"), buf, sizeof buf);
		printf("materialized content: %s\n", buf);
	}
	TRY("O_TMPFILE without write access", open(tpath("d"), O_TMPFILE | O_RDONLY, 0600));

	/* openat2 RESOLVE_BENEATH */
	struct {
		unsigned long long flags, mode, resolve;
	} how = { O_RDONLY, 0, 0x08 /* RESOLVE_BENEATH */ };
	TRY("openat2 RESOLVE_BENEATH inside", syscall(437, dfd, "f", &how, sizeof how));
	TRY("openat2 RESOLVE_BENEATH escaping", syscall(437, dfd, "../top", &how, sizeof how));
	how.resolve = 0x04; /* RESOLVE_NO_SYMLINKS */
	TRY("openat2 RESOLVE_NO_SYMLINKS via symlink", syscall(437, AT_FDCWD, tpath("dl/f"), &how, sizeof how));
	chdir("/");
	return 0;
}
