/* The old getdents(2) (struct linux_dirent, d_type in the record's last
 * byte) lists what getdents64 lists, with the same offsets. */
#include "common.h"
#include <sys/syscall.h>

struct old { unsigned long ino; unsigned long off; unsigned short reclen; char name[]; };

int main(void)
{
	char dir[] = "/tmp/getdents-XXXXXX", p[300];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof p, "%s/a", dir); close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/file-with-a-longer-name", dir); close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/sub", dir); mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/fifo", dir); mkfifo(p, 0644);
	snprintf(p, sizeof p, "%s/link", dir); symlink("a", p);

	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	char buf[4096];
	int n, count = 0, seen = 0, types = 0, inos = 0, aligned = 0, dots = 0;
	/* A small buffer: several calls, each continuing where the last stopped. */
	while ((n = syscall(SYS_getdents, fd, buf, 64)) > 0) {
		for (int at = 0; at < n;) {
			struct old *d = (struct old *)(buf + at);
			char type = buf[at + d->reclen - 1];
			struct stat st;
			snprintf(p, sizeof p, "%s/%s", dir, d->name);
			CHECK(lstat(p, &st) == 0);
			int want = S_ISDIR(st.st_mode) ? DT_DIR : S_ISFIFO(st.st_mode) ? DT_FIFO : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
			if (strcmp(d->name, ".") && strcmp(d->name, "..")) seen++; else dots++;
			types += type == want;
			inos += d->ino == st.st_ino;
			aligned += d->reclen % 8 == 0;
			at += d->reclen;
			count++;
		}
	}
	printf("entries: %d, names: %d, dots: %d, last result: %d\n", count, seen, dots, n);
	printf("types right: %d, inode numbers right: %d, records aligned: %d\n", types, inos, aligned);
	report_ret("getdents into a buffer too small for one record", syscall(SYS_getdents, fd, buf, 8), 0);
	lseek(fd, 0, SEEK_SET);
	report_ret("the same after rewinding", syscall(SYS_getdents, fd, buf, 8), 0);
	report_ret("getdents of a file", syscall(SYS_getdents, 0, buf, sizeof buf), 0);
	return 0;
}
