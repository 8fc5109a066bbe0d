/* umask: return values, effect on open/mkdir/mkfifo/mknod/symlink modes,
 * inheritance by children, /proc/self/status Umask line. */
#include "common.h"

static void mode_of(const char *label, const char *p)
{
	struct stat st;
	if (lstat(p, &st) < 0)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: %04o\n", label, st.st_mode & 07777);
}

int main(void)
{
	make_tmpdir();
	umask(022);
	printf("umask(077) returns previous: %04o\n", umask(077));
	printf("umask(0) returns previous: %04o\n", umask(0));
	printf("umask(01777) returns previous: %04o\n", umask(01777));
	printf("only permission bits kept: %04o\n", umask(0));

	mode_t masks[] = { 0, 022, 027, 077, 0777 };
	for (unsigned i = 0; i < sizeof masks / sizeof *masks; i++) {
		umask(masks[i]);
		char n[64];
		printf("-- umask %04o\n", masks[i]);
		snprintf(n, sizeof n, "file%u", i);
		close(open(tpath(n), O_CREAT | O_WRONLY, 0666));
		mode_of("  open 0666", tpath(n));
		snprintf(n, sizeof n, "dir%u", i);
		mkdir(tpath(n), 0777);
		mode_of("  mkdir 0777", tpath(n));
		snprintf(n, sizeof n, "fifo%u", i);
		mkfifo(tpath(n), 0666);
		mode_of("  mkfifo 0666", tpath(n));
		snprintf(n, sizeof n, "sl%u", i);
		symlink("x", tpath(n));
		mode_of("  symlink (always 0777)", tpath(n));
		snprintf(n, sizeof n, "setuid%u", i);
		close(open(tpath(n), O_CREAT | O_WRONLY, 04777));
		mode_of("  open 04777", tpath(n));
	}
	umask(022);
	/* umask doesn't affect chmod */
	chmod(tpath("file4"), 0777);
	mode_of("chmod 0777 under umask 022", tpath("file4"));

	/* /proc/self/status has the umask */
	umask(0027);
	char buf[4096];
	if (slurp("/proc/self/status", buf, sizeof buf) > 0) {
		char *l = strstr(buf, "Umask:");
		if (l) {
			char *e = strchr(l, '\n');
			if (e)
				*e = 0;
			printf("status: %s\n", l);
		} else {
			printf("status: no Umask line\n");
		}
	}

	/* children inherit the umask, their changes stay private */
	pid_t p = xfork();
	if (p == 0) {
		printf("child sees umask %04o\n", umask(0));
		_exit(0);
	}
	wait_report("child", p);
	printf("parent still %04o\n", umask(022));
	return 0;
}
