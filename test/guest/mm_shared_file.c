/* MAP_SHARED file mappings shared between parent and child after fork;
 * writes visible through read(), msync, mapping beyond EOF (SIGBUS). */
#include "common.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static void on_bus(int s) { (void)s; siglongjmp(jb, 1); }

int main(void)
{
	make_tmpdir();
	const char *f = tpath("shared");
	int fd = open(f, O_RDWR | O_CREAT, 0644);
	CHECK(ftruncate(fd, 3 * 4096) == 0);
	pwrite(fd, "initial", 7, 0);
	char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	printf("mapping shows file content: %.7s\n", m);

	int go[2], back[2];
	pipe(go);
	pipe(back);
	pid_t c = xfork();
	if (c == 0) {
		memcpy(m + 4096, "written by child", 16);
		write(back[1], "1", 1);
		char b;
		read(go[0], &b, 1);
		/* parent wrote via write(): visible in our mapping */
		printf("child sees parent's write(): %.14s\n", m + 8192);
		_exit(0);
	}
	char b;
	read(back[0], &b, 1);
	printf("parent sees child's store in mapping: %.16s\n", m + 4096);
	char buf[32] = { 0 };
	pread(fd, buf, 16, 4096);
	printf("and via pread: %.16s\n", buf);
	pwrite(fd, "parent pwrite!", 14, 8192);
	write(go[1], "g", 1);
	wait_report("child", c);

	TRY("msync MS_SYNC", msync(m, 3 * 4096, MS_SYNC));
	TRY("msync MS_ASYNC", msync(m, 4096, MS_ASYNC));
	TRY("msync unaligned", msync(m + 1, 4096, MS_SYNC));
	TRY("msync both SYNC and ASYNC", msync(m, 4096, MS_SYNC | MS_ASYNC));
	TRY("msync MS_INVALIDATE", msync(m, 4096, MS_INVALIDATE));
	munmap(m, 3 * 4096);
	/* data persisted in the file after munmap */
	int fd2 = open(f, O_RDONLY);
	pread(fd2, buf, 16, 4096);
	printf("file after munmap: %.16s\n", buf);

	/* a second, independent mapping of the same file sees the same pages */
	char *m1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *m2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 0);
	m1[0] = 'X';
	printf("two mappings coherent: %c\n", m2[0]);

	/* mapping past EOF: touching a page wholly beyond EOF raises SIGBUS */
	int small = open(tpath("small"), O_RDWR | O_CREAT, 0644);
	write(small, "tiny", 4);
	char *sm = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, small, 0);
	CHECK(sm != MAP_FAILED);
	printf("within EOF: %.4s, rest of first page zero: %s\n", sm, yesno(sm[4] == 0 && sm[4095] == 0));
	signal(SIGBUS, on_bus);
	volatile char x = 0;
	if (!sigsetjmp(jb, 1)) {
		x = sm[4096];
		printf("no SIGBUS (%d)\n", x);
	} else {
		printf("SIGBUS on page beyond EOF\n");
	}
	/* growing the file makes it accessible */
	ftruncate(small, 8192);
	printf("after ftruncate grow, byte readable: %d\n", sm[4096]);

	TRY("mmap O_WRONLY fd shared", mmap(NULL, 4096, PROT_READ, MAP_SHARED, open(f, O_WRONLY), 0) == MAP_FAILED ? -1 : 0);
	TRY("mmap PROT_WRITE shared on O_RDONLY fd",
	    mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd2, 0) == MAP_FAILED ? -1 : 0);
	TRY("mmap unaligned offset", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 1) == MAP_FAILED ? -1 : 0);
	TRY("mmap length 0", mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	TRY("mmap a directory", mmap(NULL, 4096, PROT_READ, MAP_SHARED, open(tuml_tmpdir, O_RDONLY), 0) == MAP_FAILED ? -1 : 0);
	int p[2];
	pipe(p);
	TRY("mmap a pipe", mmap(NULL, 4096, PROT_READ, MAP_SHARED, p[0], 0) == MAP_FAILED ? -1 : 0);
	return 0;
}
