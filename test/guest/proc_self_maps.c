/* /proc/self/maps: our own mappings appear with the right permissions, offset
 * and path; [stack]/[heap] present; changes after mprotect/munmap. */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

/* Find the maps line containing addr; copy perms and path. */
static int find(void *addr, char *perms, char *path, unsigned long *off, unsigned long *len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	char line[PATH_MAX + 256];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi, o;
		char pr[8], dev[16];
		unsigned long ino;
		int pos = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, pr, &o, dev, &ino, &pos) < 6)
			continue;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			strcpy(perms, pr);
			*off = o;
			*len = hi - lo;
			char *p = line + pos;
			p[strcspn(p, "\n")] = 0;
			strcpy(path, p);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

static void show(const char *label, void *addr)
{
	char perms[8], path[PATH_MAX];
	unsigned long off, len;
	if (!find(addr, perms, path, &off, &len)) {
		printf("%s: not mapped\n", label);
		return;
	}
	printf("%s: %s offset=%#lx len=%#lx path=%s\n", label, perms, off, len, *path ? rel(path) : "(anon)");
}

int main(void)
{
	make_tmpdir();
	long pg = 4096;
	int fd = open(tpath("mapped"), O_RDWR | O_CREAT, 0644);
	ftruncate(fd, 4 * pg);
	char *sh = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pr = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 2 * pg);
	/* anonymous region fenced by PROT_NONE guard pages so it never merges
	 * with unrelated neighbouring mappings */
	char *fence = mmap(NULL, 5 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(fence != MAP_FAILED);
	char *an = fence + pg;
	CHECK(mprotect(an, 3 * pg, PROT_READ | PROT_WRITE) == 0);
	char *sa = mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED && pr != MAP_FAILED && an != MAP_FAILED && sa != MAP_FAILED);
	show("shared file rw", sh);
	show("private file r @2 pages", pr);
	show("anonymous rw", an);
	char perms[8], path[PATH_MAX];
	unsigned long off, len;
	find(sa, perms, path, &off, &len);
	printf("shared anonymous: %s path starts with /dev/zero: %s\n", perms, yesno(!strncmp(path, "/dev/zero", 9)));

	mprotect(an + pg, pg, PROT_NONE);
	show("anon first page after mprotect of the middle", an);
	show("anon middle page", an + pg);
	show("anon last page", an + 2 * pg);
	munmap(an + 2 * pg, pg);
	show("anon last page after munmap", an + 2 * pg);

	int local;
	find(&local, perms, path, &off, &len);
	printf("stack variable in [stack]: %s (%s)\n", yesno(!strcmp(path, "[stack]")), perms);
	void *h = sbrk(0);
	sbrk(4096);
	find(h, perms, path, &off, &len);
	printf("new brk memory in [heap]: %s (%s)\n", yesno(!strcmp(path, "[heap]")), perms);
	find((void *)main, perms, path, &off, &len);
	printf("main() in our executable: %s (%s)\n", yesno(!strcmp(basename_of(path), "proc_self_maps")), perms);
	find((void *)printf, perms, path, &off, &len);
	printf("printf() in libc: %s (%s)\n", yesno(strstr(path, "libc") != NULL), perms);

	unlink(tpath("mapped"));
	show("shared file after unlink", sh);

	/* smaps-free check of maps in a child: inherited mappings identical */
	char mine[65536], theirs[65536];
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		ssize_t n = slurp("/proc/self/maps", theirs, sizeof theirs);
		write_all(p[1], theirs, (size_t)n);
		_exit(0);
	}
	close(p[1]);
	ssize_t tn = read_full(p[0], theirs, sizeof theirs - 1);
	theirs[tn > 0 ? tn : 0] = 0;
	waitpid(c, NULL, 0);
	ssize_t mn = slurp("/proc/self/maps", mine, sizeof mine);
	printf("child's maps identical to parent's: %s\n", yesno(mn == tn && !strcmp(mine, theirs)));
	return 0;
}
