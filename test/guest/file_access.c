/* access/faccessat for checks that do not depend on being root: F_OK,
 * X_OK on files without any execute bit, ENOENT/ENOTDIR, AT_SYMLINK_NOFOLLOW;
 * chmod/fchmod/fchmodat reflected in stat. */
#include "common.h"
#include <sys/syscall.h>

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
	umask(022);
	make_tmpdir();
	const char *f = tpath("f");
	write_file(f, "x", 0644);
	write_file(tpath("exe"), "#!/bin/sh\n", 0755);
	symlink("nowhere", tpath("dangling"));
	symlink("f", tpath("lf"));

	TRY("access F_OK", access(f, F_OK));
	TRY("access R_OK", access(f, R_OK));
	TRY("access X_OK on 0644 file", access(f, X_OK));
	TRY("access X_OK on 0755 file", access(tpath("exe"), X_OK));
	TRY("access missing", access(tpath("missing"), F_OK));
	TRY("access through a file", access(tpath("f/x"), F_OK));
	TRY("access bad mode", access(f, 0x100));
	TRY("access dangling symlink", access(tpath("dangling"), F_OK));
	int dfd = open(tuml_tmpdir, O_RDONLY | O_DIRECTORY);
	TRY("faccessat dirfd F_OK", faccessat(dfd, "f", F_OK, 0));
	TRY("faccessat dangling NOFOLLOW (raw faccessat2)",
	    syscall(439 /* faccessat2 */, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	TRY("faccessat EACCESS flag, X_OK", faccessat(dfd, "f", X_OK, AT_EACCESS));
	TRY("faccessat bad flags", faccessat(dfd, "f", F_OK, 0x1));
	TRY("access directory X_OK", access(tuml_tmpdir, X_OK));

	TRY("chmod 0600", chmod(f, 0600));
	mode_of("after chmod", f);
	int fd = open(f, O_RDONLY);
	TRY("fchmod 0751", fchmod(fd, 0751));
	mode_of("after fchmod", f);
	TRY("access X_OK now", access(f, X_OK));
	TRY("fchmodat 04755 (setuid bit)", fchmodat(dfd, "f", 04755, 0));
	mode_of("after fchmodat", f);
	TRY("chmod 01777 sticky", chmod(f, 01777));
	mode_of("after sticky", f);
	TRY("chmod via symlink changes target", chmod(tpath("lf"), 0640));
	mode_of("target", f);
	mode_of("symlink itself", tpath("lf"));
	TRY("fchmodat AT_SYMLINK_NOFOLLOW on symlink", fchmodat(dfd, "lf", 0600, AT_SYMLINK_NOFOLLOW));
	TRY("chmod missing", chmod(tpath("missing"), 0600));
	mkdir(tpath("d"), 0700);
	TRY("chmod dir 0755", chmod(tpath("d"), 0755));
	mode_of("dir", tpath("d"));
	TRY("chmod ignores file-type bits", chmod(f, S_IFDIR | 0644));
	struct stat st;
	stat(f, &st);
	printf("still regular: %s, mode %04o\n", yesno(S_ISREG(st.st_mode)), st.st_mode & 07777);

	/* chown to self is always allowed */
	TRY("chown to own uid/gid", chown(f, getuid(), getgid()));
	TRY("fchown -1/-1", fchown(fd, (uid_t)-1, (gid_t)-1));
	TRY("lchown symlink to self", lchown(tpath("lf"), getuid(), getgid()));
	return 0;
}
