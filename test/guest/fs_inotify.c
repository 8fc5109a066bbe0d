/* inotify: the events of file and directory operations on a watched
 * directory and a watched file, cookies pairing a rename, IN_ONESHOT,
 * merging of equal events, FIONREAD, and the errors of the three calls. */
#include "common.h"
#include <sys/inotify.h>
#include <sys/ioctl.h>

static int wd_dir, wd_file, wd_sub;
static unsigned last_cookie;

static const char *wdname(int wd)
{
	if (wd == wd_dir) return "dir";
	if (wd == wd_file) return "file";
	if (wd == wd_sub) return "sub";
	return "?";
}

static void masks(unsigned m)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
		{ IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" },
		{ IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
	};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (m & names[i].bit) printf(" %s", names[i].name);
}

/* Prints and consumes every queued event. */
static void drain(int fd, const char *after)
{
	char buf[4096] __attribute__((aligned(8)));
	printf("after %s:\n", after);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno != EAGAIN) printf("  read: %s\n", errname(errno));
			return;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			printf("  %s:", wdname(e->wd));
			masks(e->mask);
			if (e->cookie) {
				printf(" cookie=%s", e->cookie == last_cookie ? "same" : "new");
				last_cookie = e->cookie;
			}
			if (e->len) printf(" name=%s len%%16=%u", e->name, e->len % 16);
			printf("\n");
			p += sizeof *e + e->len;
		}
	}
}

int main(void)
{
	char dir[] = "/tmp/inotify-XXXXXX", path[300], path2[300], sub[256];
	CHECK(mkdtemp(dir) != NULL);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(fd >= 0);
	printf("cloexec: %s\n", yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	char b[64];
	report_ret("read of an empty queue", read(fd, b, sizeof b), 0);
	report_ret("inotify_init1(bad flags)", inotify_init1(1), 0);

	wd_dir = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	printf("wd_dir = %d\n", wd_dir);
	printf("same dir again gives the same wd: %s\n", yesno(inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD) == wd_dir));
	report_ret("IN_MASK_CREATE on a watched dir", inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_CREATE), 0);
	inotify_add_watch(fd, dir, IN_ALL_EVENTS);

	snprintf(path, sizeof path, "%s/f", dir);
	int f = open(path, O_CREAT | O_WRONLY, 0644);
	write(f, "a", 1);
	write(f, "b", 1);
	close(f);
	drain(fd, "create, two writes, close");

	f = open(path, O_RDONLY);
	read(f, b, sizeof b);
	close(f);
	chmod(path, 0600);
	drain(fd, "open, read, close, chmod");

	int n = 0;
	truncate(path, 1);
	CHECK(ioctl(fd, FIONREAD, &n) == 0);
	printf("FIONREAD after truncate: %d\n", n);
	report_ret("read into a buffer smaller than an event", read(fd, b, 8), 0);
	drain(fd, "truncate");

	snprintf(sub, sizeof sub, "%s/sub", dir);
	mkdir(sub, 0755);
	snprintf(path2, sizeof path2, "%s/g", dir);
	rename(path, path2);
	drain(fd, "mkdir, rename");

	wd_file = inotify_add_watch(fd, path2, IN_ALL_EVENTS);
	report_ret("IN_ONLYDIR on a file", inotify_add_watch(fd, path2, IN_ALL_EVENTS | IN_ONLYDIR), 0);
	unlink(path2);
	drain(fd, "unlink of a watched file");
	report_ret("rm_watch of the ended watch", inotify_rm_watch(fd, wd_file), 0);

	wd_sub = inotify_add_watch(fd, sub, IN_CREATE | IN_ONESHOT);
	snprintf(path, sizeof path, "%s/one", sub);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path2, sizeof path2, "%s/two", sub);
	close(open(path2, O_CREAT | O_WRONLY, 0644));
	unlink(path);
	unlink(path2);
	drain(fd, "two creates under a one-shot watch");

	wd_sub = inotify_add_watch(fd, sub, IN_ALL_EVENTS);
	snprintf(path, sizeof path, "%s/moved", dir);
	rename(sub, path);
	drain(fd, "rename of a watched dir");
	rmdir(path);
	drain(fd, "rmdir of a watched dir");

	printf("rm_watch of the dir watch: %d\n", inotify_rm_watch(fd, wd_dir));
	drain(fd, "rm_watch");
	report_ret("rm_watch of an unknown wd", inotify_rm_watch(fd, 12345), 0);
	report_ret("add_watch of a missing path", inotify_add_watch(fd, "/nonexistent/x", IN_ALL_EVENTS), 0);
	report_ret("add_watch with no events", inotify_add_watch(fd, dir, 0), 0);
	report_ret("add_watch on a non-inotify fd", inotify_add_watch(1, dir, IN_ALL_EVENTS), 0);
	rmdir(dir);
	return 0;
}
