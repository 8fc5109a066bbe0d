/* memfd_create: write + mmap, fstat size, sealing, MFD_CLOEXEC, /proc/self/fd
 * link name, sharing with a child after fork. */
#include "common.h"
#include <sys/mman.h>

int main(void)
{
	int fd = memfd_create("tuml-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	TRY("memfd_create", fd);
	printf("FD_CLOEXEC: %d\n", fcntl(fd, F_GETFD));
	char link[64], target[256];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	printf("readlink: %.*s\n", (int)(n > 0 ? n : 0), target);
	struct stat st;
	fstat(fd, &st);
	printf("initial: type=%s size=%ld\n", ftype(st.st_mode), (long)st.st_size);

	TRYV("write", write(fd, "hello memfd", 11));
	fstat(fd, &st);
	printf("size after write: %ld\n", (long)st.st_size);
	TRY("ftruncate 8192", ftruncate(fd, 8192));
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	printf("mapped content: %.11s\n", m);
	memcpy(m + 4096, "via mapping", 11);
	char buf[32] = { 0 };
	pread(fd, buf, 11, 4096);
	printf("pread sees mapping write: %s\n", buf);

	/* child writes through the shared mapping */
	pid_t c = xfork();
	if (c == 0) {
		memcpy(m, "CHILD", 5);
		_exit(0);
	}
	wait_report("child", c);
	pread(fd, buf, 11, 0);
	printf("after child: %.11s\n", buf);
	munmap(m, 8192);

	/* seals */
	printf("initial seals: %d\n", fcntl(fd, F_GET_SEALS));
	TRY("F_ADD_SEALS SHRINK|GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	TRY("ftruncate smaller (sealed)", ftruncate(fd, 100));
	TRY("ftruncate larger (sealed)", ftruncate(fd, 10000));
	TRYV("write inside size ok", pwrite(fd, "x", 1, 0));
	TRY("write past end (sealed)", pwrite(fd, "x", 1, 8192));
	TRY("F_ADD_SEALS WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	TRY("write (sealed)", pwrite(fd, "x", 1, 0));
	TRY("mmap shared writable (sealed)", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	printf("mmap private read-only still ok: %s\n", yesno(ro != MAP_FAILED));
	TRY("F_ADD_SEALS SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	TRY("F_ADD_SEALS after SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	printf("seals now: %#x\n", fcntl(fd, F_GET_SEALS));

	int ns = memfd_create("nosealing", 0);
	printf("without ALLOW_SEALING: seals=%#x\n", fcntl(ns, F_GET_SEALS));
	TRY("F_ADD_SEALS", fcntl(ns, F_ADD_SEALS, F_SEAL_WRITE));
	printf("no MFD_CLOEXEC: FD_CLOEXEC=%d\n", fcntl(ns, F_GETFD));
	TRY("memfd_create bad flags", memfd_create("x", 0x1000));
	char longname[300];
	memset(longname, 'n', sizeof longname);
	longname[299] = 0;
	TRY("memfd_create name too long", memfd_create(longname, 0));
	TRY("F_GET_SEALS on a pipe", ({ int pp[2]; pipe(pp); fcntl(pp[0], F_GET_SEALS); }));
	return 0;
}
