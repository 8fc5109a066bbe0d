/* mprotect/munmap/mremap/madvise/brk: access faults classified by si_code,
 * MADV_DONTNEED zeroing, mremap growth preserving data, mincore. */
#include "common.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int last_code;
static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	last_code = si->si_code;
	siglongjmp(jb, 1);
}

static const char *probe_write(char *p)
{
	if (!sigsetjmp(jb, 1)) {
		*(volatile char *)p = 1;
		return "ok";
	}
	return last_code == SEGV_ACCERR ? "SEGV_ACCERR" : last_code == SEGV_MAPERR ? "SEGV_MAPERR" : "SEGV(other)";
}

static const char *probe_read(char *p)
{
	if (!sigsetjmp(jb, 1)) {
		volatile char c = *(volatile char *)p;
		(void)c;
		return "ok";
	}
	return last_code == SEGV_ACCERR ? "SEGV_ACCERR" : last_code == SEGV_MAPERR ? "SEGV_MAPERR" : "SEGV(other)";
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	long pg = sysconf(_SC_PAGESIZE);
	printf("page size: %ld\n", pg);
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	printf("write rw page: %s\n", probe_write(m));
	TRY("mprotect PROT_READ", mprotect(m, pg, PROT_READ));
	printf("write ro page: %s, read: %s\n", probe_write(m), probe_read(m));
	TRY("mprotect PROT_NONE", mprotect(m + pg, pg, PROT_NONE));
	printf("read none page: %s\n", probe_read(m + pg));
	printf("neighbour page unaffected: %s\n", probe_write(m + 2 * pg));
	TRY("mprotect back to RW", mprotect(m, 2 * pg, PROT_READ | PROT_WRITE));
	printf("write after restore: %s\n", probe_write(m + pg));
	TRY("mprotect unaligned", mprotect(m + 1, pg, PROT_READ));
	TRY("mprotect bad prot", mprotect(m, pg, 0x100));
	TRY("munmap middle page", munmap(m + pg, pg));
	printf("access unmapped: %s\n", probe_read(m + pg));
	printf("pages around the hole: %s %s\n", probe_read(m), probe_read(m + 2 * pg));
	TRY("mprotect range with hole", mprotect(m, 3 * pg, PROT_READ));
	TRY("munmap unaligned", munmap(m + 1, pg));
	TRY("munmap already unmapped", munmap(m + pg, pg));

	/* MADV_DONTNEED zeroes private anonymous memory */
	memset(m, 'q', pg);
	TRY("madvise DONTNEED", madvise(m, pg, MADV_DONTNEED));
	printf("after DONTNEED first byte: %d\n", m[0]);
	TRY("madvise bad advice", madvise(m, pg, 12345));

	/* mincore */
	unsigned char vec[4];
	TRY("mincore", mincore(m + 2 * pg, 2 * pg, vec));
	TRY("mincore unmapped", mincore(m + pg, pg, vec));

	/* mremap grow, possibly moving, preserving contents */
	char *r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(r, "remap me");
	char *r2 = mremap(r, pg, 16 * pg, MREMAP_MAYMOVE);
	printf("mremap grow: %s, contents kept: %s, new tail writable: %s\n", r2 == MAP_FAILED ? errname(errno) : "ok",
	       r2 != MAP_FAILED && !strcmp(r2, "remap me") ? "yes" : "no",
	       r2 != MAP_FAILED ? probe_write(r2 + 15 * pg) : "-");
	char *r3 = mremap(r2, 16 * pg, 2 * pg, 0);
	printf("mremap shrink in place: %s\n", yesno(r3 == r2));
	printf("shrunk-off page unmapped: %s\n", probe_read(r2 + 4 * pg));
	TRY("mremap bad flags", mremap(r3, 2 * pg, 4 * pg, 0x40) == MAP_FAILED ? -1 : 0);

	/* brk / sbrk */
	void *b0 = sbrk(0);
	void *b1 = sbrk(65536);
	void *b2 = sbrk(0);
	printf("sbrk grows by 65536: %s, returns old break: %s\n", yesno((char *)b2 - (char *)b1 == 65536), yesno(b0 == b1));
	memset(b1, 'h', 65536);
	printf("new heap writable: yes\n");
	sbrk(-65536);
	printf("break restored: %s\n", yesno(sbrk(0) == b0));

	/* mlock on a small range (allowed within RLIMIT_MEMLOCK) */
	char *lk = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("mlock one page", mlock(lk, pg));
	TRY("munlock", munlock(lk, pg));
	TRY("mmap with no MAP_PRIVATE/SHARED", mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
	return 0;
}
