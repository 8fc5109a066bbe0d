/* stat/fstat/lstat/fstatat/statx: type, mode, size, nlink; relations between
 * the calls (same inode/dev), symlink handling, AT_EMPTY_PATH. */
#include "common.h"
#include <sys/sysmacros.h>

static void show(const char *label, int r, struct stat *st)
{
	if (r < 0) {
		printf("%s: -1 %s\n", label, errname(errno));
		return;
	}
	/* directory sizes and link counts are filesystem-specific: not printed */
	if (S_ISDIR(st->st_mode))
		printf("%s: type=%s mode=%04o\n", label, ftype(st->st_mode), st->st_mode & 07777);
	else
		printf("%s: type=%s mode=%04o size=%ld nlink=%ld\n", label, ftype(st->st_mode), st->st_mode & 07777,
		       (long)st->st_size, (long)st->st_nlink);
}

int main(void)
{
	umask(022);
	make_tmpdir();
	write_file(tpath("file"), "twelve bytes", 0640);
	chmod(tpath("file"), 0640);
	mkdir(tpath("dir"), 0750);
	symlink("file", tpath("link"));
	symlink("nowhere", tpath("dangling"));
	mkfifo(tpath("fifo"), 0600);

	struct stat st, st2;
	show("stat file", stat(tpath("file"), &st), &st);
	show("lstat file", lstat(tpath("file"), &st), &st);
	show("stat dir", stat(tpath("dir"), &st), &st);
	show("stat link (follows)", stat(tpath("link"), &st), &st);
	show("lstat link", lstat(tpath("link"), &st), &st);
	show("stat dangling", stat(tpath("dangling"), &st), &st);
	show("lstat dangling", lstat(tpath("dangling"), &st), &st);
	show("stat fifo", stat(tpath("fifo"), &st), &st);
	show("stat missing", stat(tpath("missing"), &st), &st);
	show("stat file/ (trailing slash)", stat(tpath("file/"), &st), &st);
	show("stat dir/", stat(tpath("dir/"), &st), &st);
	show("stat empty path", stat("", &st), &st);

	int fd = open(tpath("file"), O_RDONLY);
	fstat(fd, &st);
	stat(tpath("file"), &st2);
	printf("fstat and stat agree on dev/ino: %s\n", yesno(st.st_dev == st2.st_dev && st.st_ino == st2.st_ino));
	lstat(tpath("link"), &st2);
	printf("symlink has its own inode: %s\n", yesno(st.st_ino != st2.st_ino));
	printf("st_blksize > 0: %s\n", yesno(st.st_blksize > 0));
	printf("uid==getuid: %s gid==getegid: %s\n", yesno(st.st_uid == getuid()), yesno(st.st_gid == getegid()));

	int dfd = open(tuml_tmpdir, O_RDONLY | O_DIRECTORY);
	show("fstatat(dirfd, file)", fstatat(dfd, "file", &st, 0), &st);
	show("fstatat(dirfd, link, NOFOLLOW)", fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW), &st);
	show("fstatat(fd, \"\", EMPTY_PATH)", fstatat(fd, "", &st, AT_EMPTY_PATH), &st);
	show("fstatat(fd, \"\", 0)", fstatat(fd, "", &st, 0), &st);
	show("fstatat bad flags", fstatat(dfd, "file", &st, 0x12345), &st);
	show("fstatat(file fd, relative)", fstatat(fd, "x", &st, 0), &st);
	show("fstat bad fd", fstat(999, &st), &st);

	/* link count changes */
	link(tpath("file"), tpath("hard"));
	show("after link", stat(tpath("file"), &st), &st);
	stat(tpath("hard"), &st2);
	printf("hard link same inode: %s\n", yesno(st.st_ino == st2.st_ino));
	unlink(tpath("hard"));
	show("after unlink", stat(tpath("file"), &st), &st);
	unlink(tpath("file"));
	show("fstat of unlinked open file", fstat(fd, &st), &st);

	/* statx */
	struct statx sx;
	write_file(tpath("sx"), "0123456789", 0600);
	chmod(tpath("sx"), 0600);
	int r = statx(AT_FDCWD, tpath("sx"), 0, STATX_BASIC_STATS, &sx);
	printf("statx: %s mask has TYPE|MODE|NLINK|SIZE: %s type=%s mode=%04o size=%llu nlink=%u\n", r == 0 ? "ok" : errname(errno),
	       yesno((sx.stx_mask & (STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_SIZE)) ==
		     (STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_SIZE)),
	       ftype(sx.stx_mode), sx.stx_mode & 07777, (unsigned long long)sx.stx_size, sx.stx_nlink);
	stat(tpath("sx"), &st);
	printf("statx ino matches stat: %s\n", yesno(sx.stx_ino == st.st_ino));
	r = statx(AT_FDCWD, tpath("link"), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE, &sx);
	printf("statx NOFOLLOW link: %s type=%s size=%llu\n", r == 0 ? "ok" : errname(errno), ftype(sx.stx_mode),
	       (unsigned long long)sx.stx_size);
	TRY("statx bad mask bit", statx(AT_FDCWD, tpath("sx"), 0, 0x80000000u, &sx));
	TRY("statx bad flags", statx(AT_FDCWD, tpath("sx"), 0x40000000, STATX_BASIC_STATS, &sx));
	TRY("statx missing", statx(AT_FDCWD, tpath("nope"), 0, STATX_BASIC_STATS, &sx));

	/* Well-known system files */
	show("stat /", stat("/", &st), &st);
	printf("/ is a directory: %s\n", yesno(S_ISDIR(st.st_mode)));
	stat("/dev/null", &st);
	printf("/dev/null: type=%s rdev major=%u minor=%u\n", ftype(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
	return 0;
}
