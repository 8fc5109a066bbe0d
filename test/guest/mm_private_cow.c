/* MAP_PRIVATE copy-on-write: writes not visible in the file or to other
 * mappings; anonymous private memory after fork; MAP_SHARED|MAP_ANONYMOUS. */
#include "common.h"
#include <sys/mman.h>

int main(void)
{
	make_tmpdir();
	int fd = open(tpath("f"), O_RDWR | O_CREAT, 0644);
	ftruncate(fd, 4096);
	pwrite(fd, "original", 8, 0);

	char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(priv != MAP_FAILED && shared != MAP_FAILED);
	printf("private sees file: %.8s\n", priv);
	memcpy(priv, "PRIVATE!", 8);
	char buf[16] = { 0 };
	pread(fd, buf, 8, 0);
	printf("file after private write: %s\n", buf);
	printf("shared mapping after private write: %.8s\n", shared);
	printf("private mapping keeps its copy: %.8s\n", priv);

	/* After the private page was copied, file changes are no longer seen
	 * there; an untouched private page still follows the file. */
	pwrite(fd, "CHANGED!", 8, 0);
	pwrite(fd, "page-two", 8, 2048); /* same page as the copied one */
	printf("private copy unaffected by later file write: %.8s\n", priv);
	char *priv2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	printf("fresh private mapping sees file: %.8s\n", priv2);

	/* fork: private anonymous memory is copied */
	char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *sanon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("anonymous memory zero-filled: %s\n", yesno(anon[0] == 0 && anon[4095] == 0 && sanon[100] == 0));
	strcpy(anon, "parent-anon");
	strcpy(sanon, "parent-shared");
	static char heap_marker[32] = "parent-static";
	char *heap = malloc(32);
	strcpy(heap, "parent-heap");
	pid_t c = xfork();
	if (c == 0) {
		printf("child sees: %s %s %s %s\n", anon, sanon, heap_marker, heap);
		strcpy(anon, "child-anon");
		strcpy(sanon, "child-shared");
		strcpy(heap_marker, "child-static");
		strcpy(heap, "child-heap");
		memcpy(priv, "childpriv", 9);
		_exit(0);
	}
	wait_report("child", c);
	printf("parent after child wrote: anon=%s shared=%s static=%s heap=%s priv=%.8s\n", anon, sanon, heap_marker,
	       heap, priv);

	/* MAP_SHARED anonymous between two children */
	volatile int *counter = (volatile int *)sanon;
	*counter = 0;
	for (int i = 0; i < 3; i++) {
		pid_t k = xfork();
		if (k == 0) {
			__atomic_add_fetch(counter, 10, __ATOMIC_SEQ_CST);
			_exit(0);
		}
		waitpid(k, NULL, 0);
	}
	printf("shared anon counter from 3 children: %d\n", *counter);

	/* MAP_FIXED over an existing mapping replaces it */
	char *region = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(region, 'r', 3 * 4096);
	char *fx = mmap(region + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	printf("MAP_FIXED at requested address: %s, content %.8s, neighbours kept: %c %c\n", yesno(fx == region + 4096), fx,
	       region[0], region[2 * 4096]);
	void *nr = mmap(region, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE on used range: %s\n", nr == MAP_FAILED ? errname(errno) : "mapped");
	return 0;
}
