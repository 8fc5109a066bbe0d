/* Credentials in ways that don't depend on who runs the test: relations
 * between real/effective/saved ids, setting ids to their current values,
 * getgroups consistency, /proc/self/status Uid/Gid lines, inheritance. */
#include "common.h"
#include <grp.h>
#include <sys/fsuid.h>

int main(void)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	TRY("getresuid", getresuid(&ruid, &euid, &suid));
	TRY("getresgid", getresgid(&rgid, &egid, &sgid));
	printf("getuid==ruid: %s geteuid==euid: %s\n", yesno(getuid() == ruid), yesno(geteuid() == euid));
	printf("getgid==rgid: %s getegid==egid: %s\n", yesno(getgid() == rgid), yesno(getegid() == egid));
	printf("uid==euid: %s, euid==suid: %s, gid==egid: %s\n", yesno(ruid == euid), yesno(euid == suid), yesno(rgid == egid));

	/* Setting to current values is always permitted. */
	TRY("setuid(getuid())", setuid(getuid()));
	TRY("setgid(getgid())", setgid(getgid()));
	TRY("seteuid(geteuid())", seteuid(geteuid()));
	TRY("setreuid(-1, -1)", setreuid((uid_t)-1, (uid_t)-1));
	TRY("setresuid(-1, -1, -1)", setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1));
	TRY("setresgid(cur, cur, cur)", setresgid(rgid, egid, sgid));
	uid_t r2, e2, s2;
	getresuid(&r2, &e2, &s2);
	printf("ids unchanged after no-op sets: %s\n", yesno(r2 == ruid && e2 == euid && s2 == suid));

	/* setfsuid returns the previous fsuid, which equals euid */
	int prev = setfsuid((uid_t)-1);
	printf("setfsuid(-1) returns fsuid == euid: %s\n", yesno((uid_t)prev == euid));
	prev = setfsgid((gid_t)-1);
	printf("setfsgid(-1) returns fsgid == egid: %s\n", yesno((gid_t)prev == egid));

	int n = getgroups(0, NULL);
	printf("getgroups(0) >= 0: %s\n", yesno(n >= 0));
	gid_t groups[256];
	int m = getgroups(256, groups);
	printf("getgroups count consistent: %s\n", yesno(m == n));
	volatile int neg = -1;
	TRY("getgroups negative size", getgroups(neg, groups));

	/* /proc/self/status agrees */
	char buf[8192];
	if (slurp("/proc/self/status", buf, sizeof buf) > 0) {
		unsigned a, b, c, d;
		char *l = strstr(buf, "\nUid:");
		int ok = l && sscanf(l + 5, "%u %u %u %u", &a, &b, &c, &d) == 4;
		printf("status Uid line == real/eff/saved/fs: %s\n", yesno(ok && a == ruid && b == euid && c == suid && d == euid));
		l = strstr(buf, "\nGid:");
		ok = l && sscanf(l + 5, "%u %u %u %u", &a, &b, &c, &d) == 4;
		printf("status Gid line == real/eff/saved/fs: %s\n", yesno(ok && a == rgid && b == egid && c == sgid && d == egid));
	}

	/* children inherit the same credentials */
	pid_t p = xfork();
	if (p == 0) {
		uid_t a, b, c;
		getresuid(&a, &b, &c);
		_exit(a == ruid && b == euid && c == suid ? 0 : 1);
	}
	wait_report("child has the same ids (0)", p);

	/* files created belong to the fsuid/fsgid */
	make_tmpdir();
	write_file(tpath("mine"), "", 0644);
	struct stat st;
	stat(tpath("mine"), &st);
	printf("new file owned by euid: %s, group egid: %s\n", yesno(st.st_uid == euid), yesno(st.st_gid == egid));
	return 0;
}
