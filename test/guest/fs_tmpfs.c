/* tmpfs semantics, in a directory of /dev/shm: natively the host's tmpfs,
 * inside tuml the kernel's own (mm/shmem.ts) once /dev/shm is mounted.
 * statfs type, directory sizes, sparse files and SEEK_DATA/SEEK_HOLE, hole
 * punching, hard links, unlink of an open file, O_TMPFILE + linkat, rename
 * flags, readdir offsets (seekdir), user xattrs, nanosecond times, and a
 * MAP_SHARED mapping seen by a forked child. */
#include "common.h"
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/xattr.h>

/* "ok" or the errno name of a failed call (-1): the call runs first. */
static const char *res(long r) { return r < 0 ? errname(errno) : "ok"; }

static void ls(const char *d)
{
	DIR *dir = opendir(d);
	CHECK(dir != NULL);
	char names[64][256];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && n < 64) snprintf(names[n++], 256, "%s", e->d_name);
	closedir(dir);
	qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
	printf("ls:");
	for (int i = 0; i < n; i++) printf(" %s", names[i]);
	printf("\n");
}

int main(void)
{
	snprintf(tuml_tmpdir, sizeof tuml_tmpdir, "/dev/shm/tuml-tmpfs-XXXXXX");
	CHECK(mkdtemp(tuml_tmpdir) != NULL);
	tuml_tmpdir_owner = getpid();
	atexit(tuml_tmpdir_cleanup);
	fprintf(stderr, "tuml-guest-tmpdir: %s\n", tuml_tmpdir);
	umask(022);

	struct statfs sf;
	CHECK(statfs(tuml_tmpdir, &sf) == 0);
	printf("tmpfs magic: %d, bsize %ld, namelen %ld\n", sf.f_type == TMPFS_MAGIC, (long)sf.f_bsize, (long)sf.f_namelen);

	struct stat st;
	CHECK(stat(tuml_tmpdir, &st) == 0);
	printf("empty dir: size %lld nlink %lu\n", (long long)st.st_size, (unsigned long)st.st_nlink);
	CHECK(mkdir(tpath("sub"), 0750) == 0);
	CHECK(stat(tuml_tmpdir, &st) == 0);
	printf("after mkdir: size %lld nlink %lu\n", (long long)st.st_size, (unsigned long)st.st_nlink);

	/* Sparse file: a byte at 1 MiB, then a hole punched in written data. */
	int fd = open(tpath("sparse"), O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "x", 1, 1 << 20) == 1);
	CHECK(fstat(fd, &st) == 0);
	printf("sparse: size %lld blocks %lld blksize %ld\n", (long long)st.st_size, (long long)st.st_blocks, (long)st.st_blksize);
	printf("SEEK_DATA from 0: %lld, SEEK_HOLE from 1M: %lld\n", (long long)lseek(fd, 0, SEEK_DATA), (long long)lseek(fd, 1 << 20, SEEK_HOLE));
	printf("SEEK_DATA past end: %s\n", res(lseek(fd, 2 << 20, SEEK_DATA)));
	char buf[16384];
	memset(buf, 'a', sizeof buf);
	CHECK(pwrite(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192) == 0);
	CHECK(fstat(fd, &st) == 0);
	char r[4] = { 1, 1, 1, 1 };
	CHECK(pread(fd, r, 4, 4096) == 4);
	printf("punched: blocks %lld, reads zeros %d, SEEK_HOLE %lld\n", (long long)st.st_blocks, r[0] == 0 && r[3] == 0, (long long)lseek(fd, 0, SEEK_HOLE));
	printf("collapse range: %s\n", res(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096)));
	CHECK(ftruncate(fd, 100) == 0);
	CHECK(fstat(fd, &st) == 0);
	printf("truncated: size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
	close(fd);

	/* Hard links, and a file that lives on while open after its last unlink. */
	fd = open(tpath("a"), O_RDWR | O_CREAT, 0600);
	CHECK(write(fd, "alive", 5) == 5);
	CHECK(link(tpath("a"), tpath("b")) == 0);
	CHECK(stat(tpath("b"), &st) == 0);
	printf("links: %lu\n", (unsigned long)st.st_nlink);
	CHECK(unlink(tpath("a")) == 0 && unlink(tpath("b")) == 0);
	CHECK(fstat(fd, &st) == 0);
	printf("unlinked open file: nlink %lu, reads %d\n", (unsigned long)st.st_nlink, pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "alive", 5));
	close(fd);

	/* O_TMPFILE, then a name through /proc/self/fd. */
	fd = open(tuml_tmpdir, O_TMPFILE | O_RDWR, 0640);
	CHECK(fd >= 0);
	CHECK(write(fd, "tmp", 3) == 3);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, tpath("named"), AT_SYMLINK_FOLLOW) == 0);
	CHECK(stat(tpath("named"), &st) == 0);
	printf("O_TMPFILE linked: mode %o size %lld nlink %lu\n", st.st_mode, (long long)st.st_size, (unsigned long)st.st_nlink);
	close(fd);

	/* rename flags */
	int t = open(tpath("other"), O_WRONLY | O_CREAT, 0644);
	CHECK(write(t, "O", 1) == 1);
	close(t);
	printf("NOREPLACE: %s\n", res(renameat2(AT_FDCWD, tpath("named"), AT_FDCWD, tpath("other"), RENAME_NOREPLACE)));
	CHECK(renameat2(AT_FDCWD, tpath("named"), AT_FDCWD, tpath("other"), RENAME_EXCHANGE) == 0);
	CHECK(stat(tpath("named"), &st) == 0);
	printf("EXCHANGE: named now has size %lld\n", (long long)st.st_size);
	printf("dir into itself: %s\n", res(rename(tuml_tmpdir, tpath("sub/x"))));
	printf("file over dir: %s\n", res(rename(tpath("named"), tpath("sub"))));
	ls(tuml_tmpdir);

	/* Directory offsets: seekdir back to a telldir position. */
	DIR *d = opendir(tuml_tmpdir);
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) && e->d_name[0] == '.') {}
	long pos = telldir(d);
	char next[256] = "";
	if ((e = readdir(d))) snprintf(next, sizeof next, "%s", e->d_name);
	seekdir(d, pos);
	e = readdir(d);
	printf("seekdir returns to the same entry: %d\n", e && !strcmp(e->d_name, next));
	closedir(d);

	/* user xattrs */
	CHECK(setxattr(tpath("named"), "user.color", "blue", 4, 0) == 0);
	memset(buf, 0, 16);
	printf("xattr: %zd %s\n", getxattr(tpath("named"), "user.color", buf, 16), buf);
	printf("xattr create again: %s\n", res(setxattr(tpath("named"), "user.color", "red", 3, XATTR_CREATE)));
	printf("missing xattr: %s\n", res(getxattr(tpath("named"), "user.none", buf, 16)));
	printf("list: %zd\n", listxattr(tpath("named"), buf, sizeof buf));

	/* Nanosecond times are kept. */
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
	CHECK(utimensat(AT_FDCWD, tpath("named"), ts, 0) == 0);
	CHECK(stat(tpath("named"), &st) == 0);
	printf("times: %ld.%09ld %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

	/* A shared mapping of a tmpfs file, written by a child. */
	fd = open(tpath("map"), O_RDWR | O_CREAT, 0644);
	CHECK(ftruncate(fd, 8192) == 0);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	pid_t c = xfork();
	if (c == 0) {
		memcpy(m + 4096, "from the child", 14);
		_exit(0);
	}
	CHECK(waitpid(c, NULL, 0) == c);
	memset(buf, 0, 16);
	CHECK(pread(fd, buf, 14, 4096) == 14);
	printf("mapping: parent sees %.14s, read() sees %s\n", m + 4096, buf);
	munmap(m, 8192);
	close(fd);

	/* Symlinks and FIFOs. */
	CHECK(symlink("named", tpath("ln")) == 0);
	CHECK(lstat(tpath("ln"), &st) == 0);
	printf("symlink: size %lld mode %o\n", (long long)st.st_size, st.st_mode);
	CHECK(mkfifo(tpath("fifo"), 0600) == 0);
	CHECK(lstat(tpath("fifo"), &st) == 0);
	printf("fifo: %d\n", S_ISFIFO(st.st_mode));
	return 0;
}
