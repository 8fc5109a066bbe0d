/* /proc/self/cwd and /proc/self/root: listing the cwd through the link,
 * readlink matching getcwd, following after chdir and in a child. */
#include "common.h"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void ls(const char *label, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 64)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp);
	printf("%s:", label);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

int main(void)
{
	make_tmpdir();
	char real[PATH_MAX];
	CHECK(realpath(tuml_tmpdir, real) != NULL);
	CHECK(strlen(real) < sizeof tuml_tmpdir);
	memcpy(tuml_tmpdir, real, strlen(real) + 1);
	write_file(tpath("alpha"), "a", 0644);
	write_file(tpath("beta"), "b", 0644);
	mkdir(tpath("sub"), 0755);
	write_file(tpath("sub/inner"), "i", 0644);

	CHECK(chdir(tuml_tmpdir) == 0);
	ls("ls /proc/self/cwd", "/proc/self/cwd");
	ls("ls /proc/self/cwd/sub", "/proc/self/cwd/sub");
	char link[PATH_MAX], cwd[PATH_MAX];
	ssize_t n = readlink("/proc/self/cwd", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	getcwd(cwd, sizeof cwd);
	printf("readlink(/proc/self/cwd) == getcwd: %s (%s)\n", yesno(!strcmp(link, cwd)), rel(link));
	char buf[16] = { 0 };
	slurp("/proc/self/cwd/alpha", buf, sizeof buf);
	printf("read through /proc/self/cwd/alpha: %s\n", buf);

	chdir("sub");
	n = readlink("/proc/self/cwd", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("after chdir sub: %s\n", rel(link));
	ls("ls /proc/self/cwd", "/proc/self/cwd");

	n = readlink("/proc/self/root", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("/proc/self/root -> %s\n", link);

	pid_t p = xfork();
	if (p == 0) {
		chdir("..");
		char l2[PATH_MAX];
		ssize_t m = readlink("/proc/self/cwd", l2, sizeof l2 - 1);
		l2[m > 0 ? m : 0] = 0;
		printf("child after chdir ..: %s\n", rel(l2));
		_exit(0);
	}
	wait_report("child", p);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cwd", getpid());
	n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("/proc/<getpid()>/cwd: %s\n", rel(link));

	/* cwd removed: link gets " (deleted)" */
	mkdir(tpath("doomed"), 0755);
	chdir(tpath("doomed"));
	rmdir(tpath("doomed"));
	n = readlink("/proc/self/cwd", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("removed cwd: %s\n", rel(link));
	ls("ls of removed cwd", "/proc/self/cwd");
	chdir("/");
	return 0;
}
