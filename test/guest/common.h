/* Shared helpers for tuml's differential guest tests.
 *
 * Every program in test/guest/ is run natively and inside tuml; the two runs
 * must print byte-identical stdout and exit with the same status.  So never
 * print pids, addresses, times, inode numbers or anything else that differs
 * between two kernels -- print relations instead.
 *
 * stdout is made unbuffered before main() so output is never duplicated by
 * fork() and lines from a child and its parent keep program order as long as
 * the parent prints only after waiting for the child.
 */
#ifndef TUML_GUEST_COMMON_H
#define TUML_GUEST_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void tuml_unbuffer_stdout(void) __attribute__((constructor));
static void tuml_unbuffer_stdout(void) { setvbuf(stdout, NULL, _IONBF, 0); }

/* Name of an errno value ("ENOENT"), or "E<number>" for unlisted ones. */
static inline const char *errname(int e)
{
	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
	E(ENOEXEC) E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES)
	E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR)
	E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY)
	E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE)
	E(EDOM) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS)
	E(ENOTEMPTY) E(ELOOP) E(ENOMSG) E(EIDRM) E(EOVERFLOW) E(ENOTSOCK)
	E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT)
	E(EPROTONOSUPPORT) E(EOPNOTSUPP) E(EAFNOSUPPORT) E(EADDRINUSE)
	E(EADDRNOTAVAIL) E(ECONNRESET) E(EISCONN) E(ENOTCONN)
	E(ETIMEDOUT) E(ECONNREFUSED) E(EALREADY) E(EINPROGRESS)
	E(EOWNERDEAD) E(ENOTRECOVERABLE) E(ECANCELED) E(ENODATA)
	E(EBADFD) E(ESTALE) E(ERESTART)
#undef E
	}
	static char buf[32];
	snprintf(buf, sizeof buf, "E%d", e);
	return buf;
}

/* Print "label: ok" (or the value) / "label: ERRNAME" for a syscall-like
 * result.  show_value: also print the non-negative return value. */
static inline long report_ret(const char *label, long ret, int show_value)
{
	int e = errno;
	if (ret < 0)
		printf("%s: -1 %s\n", label, errname(e));
	else if (show_value)
		printf("%s: %ld\n", label, ret);
	else
		printf("%s: ok\n", label);
	errno = e;
	return ret;
}
#define TRY(label, expr) report_ret((label), (long)(expr), 0)
#define TRYV(label, expr) report_ret((label), (long)(expr), 1)

/* pthread_* style: returns an error number instead of setting errno. */
static inline int report_err(const char *label, int err)
{
	if (err)
		printf("%s: %s\n", label, errname(err));
	else
		printf("%s: ok\n", label);
	return err;
}
#define TRYP(label, expr) report_err((label), (expr))

/* Abort the test (exit 1) when an invariant the test relies on fails. */
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("CHECK FAILED at line %d: %s (errno %s)\n", \
			       __LINE__, #cond, errname(errno));           \
			exit(1);                                           \
		}                                                          \
	} while (0)

static inline const char *yesno(int b) { return b ? "yes" : "no"; }

/* "TERM", "KILL", "RTMIN+2", ... */
static inline const char *signame(int sig)
{
	static char bufs[4][32];
	static int i;
	char *b = bufs[i++ & 3];
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(b, 32, "RTMIN+%d", sig - SIGRTMIN);
	else if (sig > 0 && sig < SIGRTMIN && sigabbrev_np(sig))
		snprintf(b, 32, "%s", sigabbrev_np(sig));
	else
		snprintf(b, 32, "SIG%d", sig);
	return b;
}

/* Describe a wait status without pids. */
static inline const char *wstatus_str(int st)
{
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed by %s", signame(WTERMSIG(st)));
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof buf, "stopped by %s", signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		snprintf(buf, sizeof buf, "continued");
	else
		snprintf(buf, sizeof buf, "unknown 0x%x", st);
	return buf;
}

/* Wait for a specific child and print its status. */
static inline int wait_report(const char *label, pid_t pid)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, 0);
	if (r != pid) {
		printf("%s: waitpid failed: %s\n", label, errname(errno));
		return -1;
	}
	printf("%s: %s\n", label, wstatus_str(st));
	return st;
}

/* fork() after flushing stdout; aborts on failure. */
static inline pid_t xfork(void)
{
	fflush(stdout);
	pid_t p = fork();
	CHECK(p >= 0);
	return p;
}

/* Full-length write/read helpers. */
static inline void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

static inline ssize_t read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static inline void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	write_all(fd, data, strlen(data));
	CHECK(close(fd) == 0);
}

/* Read a whole (small) file into a static buffer; returns length or -1. */
static inline ssize_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read_full(fd, buf, cap - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* Temporary directory under /tmp, removed at exit by the creating process. */
static char tuml_tmpdir[256];
static pid_t tuml_tmpdir_owner;

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				char sub[PATH_MAX];
				if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
					rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void tuml_tmpdir_cleanup(void)
{
	if (tuml_tmpdir[0] && getpid() == tuml_tmpdir_owner)
		rm_rf(tuml_tmpdir);
}

/* Create a fresh temp dir (mode 0755 regardless of umask). */
static inline const char *make_tmpdir(void)
{
	snprintf(tuml_tmpdir, sizeof tuml_tmpdir, "/tmp/tuml-guest-XXXXXX");
	CHECK(mkdtemp(tuml_tmpdir) != NULL);
	CHECK(chmod(tuml_tmpdir, 0755) == 0);
	tuml_tmpdir_owner = getpid();
	atexit(tuml_tmpdir_cleanup);
	/* Tells the test harness which dir to remove if we crash or time out. */
	fprintf(stderr, "tuml-guest-tmpdir: %s\n", tuml_tmpdir);
	return tuml_tmpdir;
}

/* Path inside the temp dir (freshly allocated; never freed -- tests are short). */
static inline const char *tpath(const char *name)
{
	size_t n = strlen(tuml_tmpdir) + strlen(name) + 2;
	char *b = malloc(n);
	CHECK(b != NULL);
	snprintf(b, n, "%s/%s", tuml_tmpdir, name);
	return b;
}

/* Strip the temp dir prefix from a path for printing. */
static inline const char *rel(const char *path)
{
	size_t n = strlen(tuml_tmpdir);
	if (n && !strncmp(path, tuml_tmpdir, n))
		return path[n] ? path + n : "<tmp>";
	return path;
}

static inline const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static inline const char *ftype(mode_t m)
{
	if (S_ISREG(m)) return "regular";
	if (S_ISDIR(m)) return "directory";
	if (S_ISLNK(m)) return "symlink";
	if (S_ISFIFO(m)) return "fifo";
	if (S_ISSOCK(m)) return "socket";
	if (S_ISCHR(m)) return "chardev";
	if (S_ISBLK(m)) return "blockdev";
	return "?";
}

/* Sleep for ms milliseconds, resuming after signal interruptions. */
static inline void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#endif
