/* Directory listing: readdir (getdents64) sorted, d_type, . and .., raw
 * getdents64 with a small buffer, rewinddir, entries added/removed. */
#include "common.h"
#include <sys/syscall.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *dtype(unsigned char t)
{
	switch (t) {
	case DT_REG: return "reg";
	case DT_DIR: return "dir";
	case DT_LNK: return "lnk";
	case DT_FIFO: return "fifo";
	case DT_SOCK: return "sock";
	case DT_CHR: return "chr";
	case DT_UNKNOWN: return "unknown";
	}
	return "?";
}

static void list(const char *label, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		printf("%s: opendir %s\n", label, errname(errno));
		return;
	}
	char *names[512];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 512) {
		char *s = malloc(strlen(de->d_name) + 16);
		sprintf(s, "%s(%s)", de->d_name, dtype(de->d_type));
		names[n++] = s;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp);
	printf("%s: %d entries:", label, n);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

int main(void)
{
	make_tmpdir();
	list("empty dir", tuml_tmpdir);
	write_file(tpath("b.txt"), "b", 0644);
	write_file(tpath("a.txt"), "a", 0644);
	mkdir(tpath("sub"), 0755);
	symlink("a.txt", tpath("ln"));
	mkfifo(tpath("pipe"), 0644);
	list("populated", tuml_tmpdir);

	/* Many entries, read with a tiny getdents64 buffer. */
	for (int i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof name, "many/f%03d", i);
		if (i == 0)
			mkdir(tpath("many"), 0755);
		write_file(tpath(name), "", 0644);
	}
	int fd = open(tpath("many"), O_RDONLY | O_DIRECTORY);
	char buf[128];
	int total = 0, calls = 0, dots = 0;
	long n;
	unsigned char seen[200] = { 0 };
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		calls++;
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				dots++;
			else if (de->d_name[0] == 'f')
				seen[atoi(de->d_name + 1)]++;
			total++;
			off += de->d_reclen;
		}
	}
	int all_once = 1;
	for (int i = 0; i < 200; i++)
		if (seen[i] != 1)
			all_once = 0;
	printf("getdents64 small buffer: total=%d dots=%d each file once: %s, needed several calls: %s\n", total, dots,
	       yesno(all_once), yesno(calls > 10));
	TRYV("getdents64 at end", syscall(SYS_getdents64, fd, buf, sizeof buf));
	TRY("getdents64 buffer too small", (lseek(fd, 0, SEEK_SET), syscall(SYS_getdents64, fd, buf, 8)));
	TRY("getdents64 on a file", syscall(SYS_getdents64, open(tpath("a.txt"), O_RDONLY), buf, sizeof buf));
	TRY("getdents64 bad fd", syscall(SYS_getdents64, 999, buf, sizeof buf));
	close(fd);

	/* rewinddir sees a new entry */
	DIR *d = opendir(tpath("sub"));
	int cnt = 0;
	while (readdir(d))
		cnt++;
	write_file(tpath("sub/new"), "", 0644);
	rewinddir(d);
	int cnt2 = 0;
	while (readdir(d))
		cnt2++;
	closedir(d);
	printf("entries before/after creating a file + rewinddir: %d %d\n", cnt, cnt2);

	/* Deleted directory: readdir on an open handle returns nothing. */
	mkdir(tpath("gone"), 0755);
	d = opendir(tpath("gone"));
	rmdir(tpath("gone"));
	cnt = 0;
	errno = 0;
	while (readdir(d))
		cnt++;
	printf("entries in removed dir: %d errno=%s\n", cnt, errno ? errname(errno) : "0");
	closedir(d);

	TRY("opendir on a file", opendir(tpath("a.txt")) ? 0 : -1);
	TRY("opendir missing", opendir(tpath("zzz")) ? 0 : -1);
	return 0;
}
