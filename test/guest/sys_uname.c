/* uname fields that are comparable, sethostname-free hostname relations,
 * /proc/sys/kernel/{ostype,osrelease} agreeing with uname. */
#include "common.h"
#include <ctype.h>
#include <sys/utsname.h>

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
}

int main(void)
{
	struct utsname u;
	TRY("uname", uname(&u));
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	printf("release starts with a digit: %s\n", yesno(isdigit((unsigned char)u.release[0])));
	printf("release has a dot: %s\n", yesno(strchr(u.release, '.') != NULL));
	printf("version non-empty: %s\n", yesno(u.version[0] != 0));
	printf("nodename non-empty: %s\n", yesno(u.nodename[0] != 0));

	char host[256];
	TRY("gethostname", gethostname(host, sizeof host));
	printf("gethostname == uname nodename: %s\n", yesno(!strcmp(host, u.nodename)));
	char tiny[2];
	int r = gethostname(tiny, sizeof tiny);
	printf("gethostname tiny buffer: %s\n", r == 0 ? "ok" : errname(errno));

	char buf[256];
	if (slurp("/proc/sys/kernel/ostype", buf, sizeof buf) > 0) {
		trim(buf);
		printf("/proc/sys/kernel/ostype == sysname: %s\n", yesno(!strcmp(buf, u.sysname)));
	} else {
		printf("/proc/sys/kernel/ostype: %s\n", errname(errno));
	}
	if (slurp("/proc/sys/kernel/osrelease", buf, sizeof buf) > 0) {
		trim(buf);
		printf("/proc/sys/kernel/osrelease == release: %s\n", yesno(!strcmp(buf, u.release)));
	}
	if (slurp("/proc/sys/kernel/hostname", buf, sizeof buf) > 0) {
		trim(buf);
		printf("/proc/sys/kernel/hostname == nodename: %s\n", yesno(!strcmp(buf, u.nodename)));
	}
	if (slurp("/proc/version", buf, sizeof buf) > 0)
		printf("/proc/version starts with \"Linux version \": %s\n", yesno(!strncmp(buf, "Linux version ", 14)));

	/* child sees the same */
	pid_t p = xfork();
	if (p == 0) {
		struct utsname cu;
		uname(&cu);
		printf("child uname identical: %s\n", yesno(!memcmp(&cu, &u, sizeof u)));
		_exit(0);
	}
	wait_report("child", p);
	struct utsname *volatile bad = (struct utsname *)8;
	TRY("uname bad pointer", uname(bad));
	return 0;
}
