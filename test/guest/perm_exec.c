/* Set-id bits and capabilities across execve: copies of this program owned
 * by root (setuid), by group 1002 (setgid) and by uid 1000 (setuid) are run
 * by root and by uid 1000, with and without no_new_privs, keepcaps and
 * ambient capabilities; the copy reports its ids, whether it holds
 * capabilities and AT_SECURE.
 *
 * TUML_GUEST_NEEDS_ROOT: the copies must belong to other users. */
#include "common.h"
#include <grp.h>
#include <linux/capability.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static void caps(unsigned long long *eff, unsigned long long *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0);
	*eff = d[0].effective | (unsigned long long)d[1].effective << 32;
	*prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
}

/* "all" when the set has the capabilities up to CAP_SYS_PACCT (the
 * bounding sets of two machines may differ past it), "none", or the set. */
static const char *capset_str(unsigned long long s)
{
	static char buf[2][32];
	static int i;
	unsigned long long base = (1ULL << (CAP_SYS_PACCT + 1)) - 1;
	if (s == 0)
		return "none";
	if ((s & base) == base)
		return "all";
	snprintf(buf[i & 1], 32, "%llx", s);
	return buf[i++ & 1];
}

static int report(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	unsigned long long eff, prm;
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	caps(&eff, &prm);
	printf("   ids %u/%u/%u groups %u/%u/%u eff %s prm %s secure %lu dumpable %d\n", r, e, s, rg, eg, sg,
	       capset_str(eff), capset_str(prm), getauxval(AT_SECURE), prctl(PR_GET_DUMPABLE));
	return 0;
}

static char prog[300], sgprog[300], uprog[300];

static void copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	CHECK(in >= 0 && out >= 0);
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		write_all(out, buf, (size_t)n);
	close(in);
	close(out);
	CHECK(chown(to, uid, gid) == 0);
	CHECK(chmod(to, mode) == 0);
}

static void run(const char *label, const char *path, int uid, int nnp, int keepcaps, int ambient)
{
	printf("%s\n", label);
	pid_t p = xfork();
	if (p == 0) {
		if (ambient) {
			/* CAP_DAC_OVERRIDE inheritable, then ambient, kept across the uid change */
			struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct d[2];
			CHECK(syscall(SYS_capget, &h, d) == 0);
			d[0].inheritable |= 1u << CAP_DAC_OVERRIDE;
			CHECK(syscall(SYS_capset, &h, d) == 0);
			CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
		}
		if (keepcaps)
			CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
		if (uid >= 0) {
			CHECK(setgroups(0, NULL) == 0);
			CHECK(setresgid(uid, uid, uid) == 0);
			CHECK(setresuid(uid, uid, uid) == 0);
		}
		if (ambient) {
			/* the permitted set survived (keepcaps); the effective one did not */
			struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct d[2];
			CHECK(syscall(SYS_capget, &h, d) == 0);
			TRY("ambient raise", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_OVERRIDE, 0, 0));
		}
		if (nnp)
			CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
		execl(path, path, "report", (char *)NULL);
		printf("exec: %s\n", errname(errno));
		_exit(1);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report();
	umask(022);
	make_tmpdir();
	snprintf(prog, sizeof prog, "%s", tpath("suid-root"));
	snprintf(sgprog, sizeof sgprog, "%s", tpath("sgid-1002"));
	snprintf(uprog, sizeof uprog, "%s", tpath("suid-1000"));
	copy_self(prog, 0, 0, 04755);
	copy_self(sgprog, 0, 1002, 02755);
	copy_self(uprog, 1000, 1000, 04755);
	char plain[300];
	snprintf(plain, sizeof plain, "%s", tpath("plain"));
	copy_self(plain, 0, 0, 0755);

	run("root runs a plain copy", plain, -1, 0, 0, 0);
	run("root runs the setuid-root copy", prog, -1, 0, 0, 0);
	run("1000 runs a plain copy", plain, 1000, 0, 0, 0);
	run("1000 runs the setuid-root copy", prog, 1000, 0, 0, 0);
	run("1000 runs the setuid-root copy with no_new_privs", prog, 1000, 1, 0, 0);
	run("1000 runs the setgid-1002 copy", sgprog, 1000, 0, 0, 0);
	run("root runs the setuid-1000 copy", uprog, -1, 0, 0, 0);
	run("1000 with keepcaps runs a plain copy", plain, 1000, 0, 1, 0);
	run("1000 with an ambient capability runs a plain copy", plain, 1000, 0, 0, 1);
	run("1000 with an ambient capability runs the setgid copy", sgprog, 1000, 0, 0, 1);
	return 0;
}
