/* sysinfo sanity, sysconf values that are fixed by the ABI, getpagesize,
 * /proc/meminfo vs sysinfo, /proc/loadavg shape. */
#include "common.h"
#include <sys/resource.h>
#include <sys/sysinfo.h>

int main(void)
{
	struct sysinfo si;
	TRY("sysinfo", sysinfo(&si));
	printf("mem_unit > 0: %s\n", yesno(si.mem_unit > 0));
	printf("totalram > 0: %s\n", yesno(si.totalram > 0));
	printf("freeram <= totalram: %s\n", yesno(si.freeram <= si.totalram));
	printf("freeswap <= totalswap: %s\n", yesno(si.freeswap <= si.totalswap));
	printf("uptime >= 0: %s\n", yesno(si.uptime >= 0));
	printf("procs >= 1: %s\n", yesno(si.procs >= 1));
	printf("totalhigh == 0 on x86_64: %s\n", yesno(si.totalhigh == 0));

	printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
	printf("getpagesize(): %d\n", getpagesize());
	printf("sysconf(_SC_CLK_TCK): %ld\n", sysconf(_SC_CLK_TCK));
	printf("sysconf(_SC_NPROCESSORS_ONLN) >= 1: %s\n", yesno(sysconf(_SC_NPROCESSORS_ONLN) >= 1));
	printf("ONLN <= CONF: %s\n", yesno(sysconf(_SC_NPROCESSORS_ONLN) <= sysconf(_SC_NPROCESSORS_CONF)));
	printf("sysconf(_SC_PHYS_PAGES) > 0: %s\n", yesno(sysconf(_SC_PHYS_PAGES) > 0));
	printf("get_nprocs() == ONLN: %s\n", yesno(get_nprocs() == sysconf(_SC_NPROCESSORS_ONLN)));
	printf("sysconf(_SC_OPEN_MAX) == RLIMIT_NOFILE soft: ");
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("%s\n", yesno((rlim_t)sysconf(_SC_OPEN_MAX) == rl.rlim_cur));

	char buf[8192];
	if (slurp("/proc/meminfo", buf, sizeof buf) > 0) {
		unsigned long kb = 0;
		char *l = strstr(buf, "MemTotal:");
		if (l)
			sscanf(l, "MemTotal: %lu kB", &kb);
		unsigned long long total = (unsigned long long)si.totalram * si.mem_unit / 1024;
		printf("/proc/meminfo MemTotal == sysinfo totalram: %s\n", yesno(l && kb == total));
	} else {
		printf("/proc/meminfo: %s\n", errname(errno));
	}
	if (slurp("/proc/loadavg", buf, sizeof buf) > 0) {
		double a, b, c;
		int run, tot, last;
		int n = sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &run, &tot, &last);
		printf("/proc/loadavg has 6 fields: %s, running <= total: %s\n", yesno(n == 6), yesno(run <= tot));
	}
	if (slurp("/proc/uptime", buf, sizeof buf) > 0) {
		double up, idle;
		printf("/proc/uptime has 2 numbers: %s\n", yesno(sscanf(buf, "%lf %lf", &up, &idle) == 2));
	}
	struct sysinfo *volatile bad = (struct sysinfo *)8;
	TRY("sysinfo bad pointer", sysinfo(bad));
	return 0;
}
