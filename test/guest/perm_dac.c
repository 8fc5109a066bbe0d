/* Discretionary access control as another user: root sets up files of
 * several owners, then children drop to uid 1000 (setgroups, setgid,
 * setuid) and try what Linux allows or refuses: owner/group/other bits,
 * search permission on directories, sticky and setgid directories, chmod,
 * chown and utimes by non-owners, access() with real against effective ids,
 * writes that clear the setuid bit.
 *
 * TUML_GUEST_NEEDS_ROOT: setting up other users' files needs a root that
 * can chown, which the unprivileged host user is not (natively or as the
 * host user behind hostfs). */
#include "common.h"
#include <grp.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>

static void mode_of(const char *label, const char *p)
{
	struct stat st;
	if (lstat(p, &st) < 0)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: %04o uid %u gid %u\n", label, st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void become(uid_t uid, gid_t gid, gid_t extra)
{
	gid_t groups[1] = { extra };
	CHECK(setgroups(extra ? 1 : 0, groups) == 0);
	CHECK(setgid(gid) == 0);
	CHECK(setuid(uid) == 0);
}

static void owned(const char *p, const char *data, mode_t mode, uid_t uid, gid_t gid)
{
	write_file(p, data, mode);
	CHECK(chown(p, uid, gid) == 0);
	CHECK(chmod(p, mode) == 0);
}

/* Runs fn in a child as uid/gid (with one supplementary group, or none). */
static void as(const char *label, uid_t uid, gid_t gid, gid_t extra, void (*fn)(void))
{
	printf("-- %s\n", label);
	pid_t p = xfork();
	if (p == 0) {
		become(uid, gid, extra);
		fn();
		_exit(0);
	}
	wait_report(label, p);
}

static void user1000(void)
{
char buf[64];
	TRY("open sec/s", open(tpath("sec/s"), O_RDONLY));
	TRY("stat sec/s", stat(tpath("sec/s"), &(struct stat){0}));
	TRY("chdir sec", chdir(tpath("sec")));
	TRY("opendir sec", open(tpath("sec"), O_RDONLY | O_DIRECTORY));
	TRY("open pub RDONLY", open(tpath("pub"), O_RDONLY));
	TRY("open pub WRONLY", open(tpath("pub"), O_WRONLY));
	TRY("open pub RDONLY|O_TRUNC", open(tpath("pub"), O_RDONLY | O_TRUNC));
	TRY("open wr RDWR", open(tpath("wr"), O_RDWR));
	TRY("open pub O_NOATIME", open(tpath("pub"), O_RDONLY | O_NOATIME));
	TRY("open grp (other)", open(tpath("grp"), O_RDONLY));
	TRY("opendir search (0711)", open(tpath("search"), O_RDONLY | O_DIRECTORY));
	TRY("open search/in", open(tpath("search/in"), O_RDONLY));
	TRY("creat in sec", open(tpath("sec/new"), O_CREAT | O_WRONLY, 0644));
	TRY("creat in tmpdir (0755 root)", open(tpath("new"), O_CREAT | O_WRONLY, 0644));
	TRY("creat O_EXCL existing pub", open(tpath("pub"), O_CREAT | O_EXCL | O_WRONLY, 0644));
	TRY("mkdir in tmpdir", mkdir(tpath("newdir"), 0755));
	TRY("mkfifo in tmpdir", mkfifo(tpath("fifo"), 0644));
	TRY("mknod chr in st", mknod(tpath("st/null"), S_IFCHR | 0666, makedev(1, 3)));
	TRY("mkfifo in st", mkfifo(tpath("st/fifo"), 0644));
	TRY("symlink in tmpdir", symlink("pub", tpath("sym")));
TRY("symlink in st", symlink("../pub", tpath("st/sym")));
	TRY("unlink pub", unlink(tpath("pub")));
	TRY("unlink missing in sec", unlink(tpath("sec/none")));
	TRY("rename pub", rename(tpath("pub"), tpath("st/pub")));
	TRY("unlink st/b (1001's, sticky)", unlink(tpath("st/b")));
	TRY("rename st/b (sticky)", rename(tpath("st/b"), tpath("st/b2")));
	TRY("rename st/a over st/b (sticky)", rename(tpath("st/a"), tpath("st/b")));
	TRY("rmdir st/d (1001's, sticky)", rmdir(tpath("st/d")));
	TRY("unlink st/a (own, sticky)", unlink(tpath("st/a")));
	TRY("chmod pub (not owner)", chmod(tpath("pub"), 0666));
	TRY("chown pub (not owner)", chown(tpath("pub"), 1000, 1000));
	TRY("chmod mine 04644", chmod(tpath("mine"), 04644));
	TRY("chown mine to 1001", chown(tpath("mine"), 1001, -1));
	TRY("chgrp mine to 1002 (not a member)", chown(tpath("mine"), -1, 1002));
	TRY("chgrp mine to 1000", chown(tpath("mine"), -1, 1000));
	mode_of("mine after chown to own group", tpath("mine"));
	TRY("chmod other-group 02755 (not a member)", chmod(tpath("other-group"), 02755));
	mode_of("other-group", tpath("other-group"));
	TRY("utimes(NULL) wr (writable)", utimes(tpath("wr"), NULL));
	TRY("utimes(NULL) pub (read-only)", utimes(tpath("pub"), NULL));
	struct timeval tv[2] = { { 1, 0 }, { 2, 0 } };
	TRY("utimes(t) wr (not owner)", utimes(tpath("wr"), tv));
	TRY("utimes(t) mine (owner)", utimes(tpath("mine"), tv));
	TRY("truncate pub", truncate(tpath("pub"), 0));
	TRY("truncate wr", truncate(tpath("wr"), 1));
	TRY("access sec/s R_OK", access(tpath("sec/s"), R_OK));
	TRY("access wr W_OK", access(tpath("wr"), W_OK));
	TRY("access pub W_OK", access(tpath("pub"), W_OK));
	TRY("setxattr user. on pub", setxattr(tpath("pub"), "user.x", "1", 1, 0));
	TRY("setxattr user. on wr", setxattr(tpath("wr"), "user.x", "1", 1, 0));
	TRY("getxattr trusted. on wr", getxattr(tpath("wr"), "trusted.x", buf, sizeof buf));
	TRY("setxattr trusted. on wr", setxattr(tpath("wr"), "trusted.x", "1", 1, 0));
	TRY("lsetxattr user. on a symlink", lsetxattr(tpath("st/sym"), "user.x", "1", 1, 0));
	/* writing a setuid file clears the bit */
TRY("chmod mine 04755", chmod(tpath("mine"), 04755));
	mode_of("mine before write", tpath("mine"));
	int fd = open(tpath("mine"), O_WRONLY | O_APPEND);
	TRY("write mine", write(fd, "x", 1));
	close(fd);
	mode_of("mine after write", tpath("mine"));
	TRY("chmod sgid-exec 02755 again", chmod(tpath("sgid-exec"), 02755));
	TRY("truncate sgid-exec", truncate(tpath("sgid-exec"), 0));
	mode_of("sgid-exec after truncate", tpath("sgid-exec"));
}

static void member1002(void)
{
	TRY("open grp (group)", open(tpath("grp"), O_RDONLY));
	TRY("open grp WRONLY", open(tpath("grp"), O_WRONLY));
	TRY("creat in sg", open(tpath("sg/f"), O_CREAT | O_WRONLY, 02755));
	mode_of("sg/f", tpath("sg/f"));
	TRY("mkdir in sg", mkdir(tpath("sg/d"), 0755));
	mode_of("sg/d", tpath("sg/d"));
	TRY("chmod other-group 02755 (member)", chmod(tpath("other-group"), 02755));
	mode_of("other-group", tpath("other-group"));
}

static void user1001(void)
{
	TRY("creat in sg", open(tpath("sg/g"), O_CREAT | O_WRONLY, 02755));
	mode_of("sg/g", tpath("sg/g"));
	TRY("mkdir in sg", mkdir(tpath("sg/e"), 02755));
	mode_of("sg/e", tpath("sg/e"));
}

int main(void)
{
	umask(022);
	make_tmpdir();

	/* root's private file in a private directory */
	CHECK(mkdir(tpath("sec"), 0700) == 0);
	write_file(tpath("sec/s"), "secret\n", 0600);
	/* files of root with several modes */
	write_file(tpath("pub"), "pub\n", 0644);
	write_file(tpath("wr"), "wr\n", 0666);
	CHECK(chmod(tpath("wr"), 0666) == 0);
	write_file(tpath("grp"), "grp\n", 0640);
	CHECK(chown(tpath("grp"), 0, 1002) == 0);
	CHECK(mkdir(tpath("search"), 0711) == 0);
	write_file(tpath("search/in"), "in\n", 0644);
	/* a sticky directory with files of 1000 and 1001 */
	CHECK(mkdir(tpath("st"), 01777) == 0);
	CHECK(chmod(tpath("st"), 01777) == 0);
	owned(tpath("st/a"), "a\n", 0644, 1000, 1000);
	owned(tpath("st/b"), "b\n", 0666, 1001, 1001);
	CHECK(mkdir(tpath("st/d"), 0777) == 0);
	CHECK(chown(tpath("st/d"), 1001, 1001) == 0);
	/* a setgid directory of group 1002 */
	CHECK(mkdir(tpath("sg"), 0777) == 0);
	CHECK(chown(tpath("sg"), 0, 1002) == 0);
	CHECK(chmod(tpath("sg"), 02777) == 0);
	/* files of 1000: setuid, and one in a group 1000 is not in */
	owned(tpath("mine"), "mine\n", 04755, 1000, 1000);
	owned(tpath("other-group"), "og\n", 0644, 1000, 1002);
	owned(tpath("sgid-exec"), "sg\n", 02755, 1000, 1000);

	as("uid 1000", 1000, 1000, 0, user1000);
	as("uid 1000 in group 1002", 1000, 1000, 1002, member1002);
	as("uid 1001 (not in 1002) in the setgid dir", 1001, 1001, 0, user1001);

	/* access() uses the real ids, AT_EACCESS the effective ones */
	printf("-- real 1000, effective 0\n");
	pid_t p = xfork();
	if (p == 0) {
		CHECK(setresuid(1000, 0, 0) == 0);
		TRY("access sec/s R_OK", access(tpath("sec/s"), R_OK));
		TRY("faccessat sec/s R_OK AT_EACCESS", faccessat(AT_FDCWD, tpath("sec/s"), R_OK, AT_EACCESS));
		TRY("open sec/s", open(tpath("sec/s"), O_RDONLY));
		TRY("access pub R_OK", access(tpath("pub"), R_OK));
		_exit(0);
	}
	wait_report("real 1000, effective 0", p);
	printf("-- real 0, effective 1000\n");
	p = xfork();
	if (p == 0) {
		CHECK(setresuid(0, 1000, 0) == 0);
		TRY("access sec/s R_OK", access(tpath("sec/s"), R_OK));
		TRY("faccessat sec/s R_OK AT_EACCESS", faccessat(AT_FDCWD, tpath("sec/s"), R_OK, AT_EACCESS));
		TRY("open sec/s", open(tpath("sec/s"), O_RDONLY));
		_exit(0);
	}
	wait_report("real 0, effective 1000", p);

	/* root: DAC overrides, but execute needs some x bit */
	TRY("root open sec/s", open(tpath("sec/s"), O_RDONLY));
	TRY("root access pub X_OK", access(tpath("pub"), X_OK));
	TRY("root unlink st/b (sticky)", unlink(tpath("st/b")));
	return 0;
}
