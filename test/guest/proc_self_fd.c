/* /proc/self/fd listing of own open fds (relative numbering), link targets
 * by kind, /proc/self/fdinfo pos/flags, opening via /proc/self/fd/N. */
#include "common.h"
#include <sys/eventfd.h>
#include <sys/socket.h>

static int base;
static unsigned char preexisting[1024]; /* fds >= 3 inherited from the caller */

static void note_preexisting(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			int fd = atoi(de->d_name);
			if (fd >= 3 && fd < 1024 && fd != dirfd(d))
				preexisting[fd] = 1;
		}
	closedir(d);
}

static void list_fds(const char *label)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int dfd = dirfd(d);
	int fds[256], n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 256) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		if (fd != dfd && !(fd < 1024 && preexisting[fd]))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j];
				fds[j] = t;
			}
	printf("%s:", label);
	for (int i = 0; i < n; i++) {
		if (fds[i] < 3)
			printf(" %d", fds[i]);
		else
			printf(" base+%d", fds[i] - base);
	}
	printf("\n");
}

static void target(const char *label, int fd)
{
	char p[64], t[PATH_MAX];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, t, sizeof t - 1);
	if (n < 0) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	t[n] = 0;
	/* pipe:[inode] and socket:[inode] -> drop the inode number */
	char *br = strchr(t, '[');
	if (br && (!strncmp(t, "pipe:", 5) || !strncmp(t, "socket:", 7)))
		strcpy(br, "[N]");
	printf("%s -> %s\n", label, rel(t));
}

int main(void)
{
	note_preexisting(); /* so a harness leaking fds can't change the output */
	make_tmpdir();
	write_file(tpath("file"), "0123456789", 0644);
	int f = open(tpath("file"), O_RDONLY);
	base = f;
	list_fds("with one file open");
	int p[2];
	pipe(p);
	int ev = eventfd(0, 0);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int dn = open("/dev/null", O_WRONLY);
	int dir = open(tuml_tmpdir, O_RDONLY | O_DIRECTORY);
	int hi = dup2(f, base + 20);
	list_fds("after opening more");
	target("file", f);
	target("pipe read", p[0]);
	target("pipe write", p[1]);
	target("eventfd", ev);
	target("socket", sv[0]);
	target("/dev/null", dn);
	target("directory", dir);
	target("dup2'd", hi);
	unlink(tpath("file"));
	target("file after unlink", f);
	close(p[0]);
	close(hi);
	list_fds("after closing two");

	/* fdinfo */
	lseek(f, 4, SEEK_SET);
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", f);
	if (slurp(path, buf, sizeof buf) > 0) {
		long pos = -1;
		unsigned flags = 0;
		char *l = strstr(buf, "pos:");
		if (l)
			sscanf(l, "pos: %ld", &pos);
		l = strstr(buf, "flags:");
		if (l)
			sscanf(l, "flags: %o", &flags);
		printf("fdinfo pos: %ld, accmode O_RDONLY: %s, O_CLOEXEC: %s\n", pos, yesno((flags & O_ACCMODE) == O_RDONLY),
		       yesno(flags & O_CLOEXEC));
	}
	fcntl(f, F_SETFD, FD_CLOEXEC);
	if (slurp(path, buf, sizeof buf) > 0) {
		unsigned flags = 0;
		char *l = strstr(buf, "flags:");
		if (l)
			sscanf(l, "flags: %o", &flags);
		printf("after FD_CLOEXEC, fdinfo shows O_CLOEXEC: %s\n", yesno(flags & O_CLOEXEC));
	}

	/* re-opening through /proc/self/fd gives a new description */
	snprintf(path, sizeof path, "/proc/self/fd/%d", f);
	int again = open(path, O_RDONLY);
	TRY("open /proc/self/fd/N of unlinked file", again);
	char c = 0;
	read(again, &c, 1);
	printf("new description starts at offset 0: %c\n", c);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	int pw = open(path, O_RDONLY);
	TRY("open /proc/self/fd/N of pipe write end for reading", pw);
	write(p[1], "via", 3);
	char b[8] = { 0 };
	read(pw, b, 3);
	printf("reopened pipe reads: %s\n", b);
	snprintf(path, sizeof path, "/proc/self/fd/%d", 999);
	TRY("readlink closed fd", readlink(path, buf, sizeof buf));

	/* a child's fd table is a copy */
	pid_t k = xfork();
	if (k == 0) {
		close(dn);
		list_fds("child after closing /dev/null");
		_exit(0);
	}
	wait_report("child", k);
	list_fds("parent unchanged");
	return 0;
}
