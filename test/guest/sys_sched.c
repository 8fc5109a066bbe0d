/* Scheduling calls that behave the same for any user: sched_yield,
 * getscheduler/getparam, priority ranges, affinity, nice going up, getcpu. */
#include "common.h"
#include <sched.h>
#include <sys/resource.h>

int main(void)
{
	TRY("sched_yield", sched_yield());
	printf("sched_getscheduler(0) == SCHED_OTHER: %s\n", yesno(sched_getscheduler(0) == SCHED_OTHER));
	struct sched_param sp;
	TRY("sched_getparam", sched_getparam(0, &sp));
	printf("priority: %d\n", sp.sched_priority);
	printf("FIFO priority range: %d..%d\n", sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO));
	printf("RR priority range: %d..%d\n", sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR));
	printf("OTHER priority range: %d..%d\n", sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER));
	TRY("priority range of bad policy", sched_get_priority_max(42));
	struct timespec rr;
	TRY("sched_rr_get_interval", sched_rr_get_interval(0, &rr));
	sp.sched_priority = 5;
	TRY("SCHED_OTHER with priority 5", sched_setscheduler(0, SCHED_OTHER, &sp));
	sp.sched_priority = 0;
	TRY("SCHED_BATCH", sched_setscheduler(0, SCHED_BATCH, &sp));
	printf("now SCHED_BATCH: %s\n", yesno(sched_getscheduler(0) == SCHED_BATCH));
	TRY("back to SCHED_OTHER", sched_setscheduler(0, SCHED_OTHER, &sp));
	TRY("sched_getscheduler(nonexistent)", sched_getscheduler(999999));
	TRY("sched_getscheduler(-1)", sched_getscheduler(-1));

	cpu_set_t set;
	CPU_ZERO(&set);
	TRY("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
	int cnt = CPU_COUNT(&set);
	printf("affinity has >= 1 cpu: %s\n", yesno(cnt >= 1));
	int first = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			first = i;
			break;
		}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	TRY("sched_setaffinity to one allowed cpu", sched_setaffinity(0, sizeof one, &one));
	cpu_set_t chk;
	sched_getaffinity(0, sizeof chk, &chk);
	printf("affinity now one cpu: %s\n", yesno(CPU_COUNT(&chk) == 1));
	unsigned cpu = 999, node = 999;
	TRY("getcpu", getcpu(&cpu, &node));
	printf("running on the pinned cpu: %s\n", yesno((int)cpu == first));
	printf("sched_getcpu agrees: %s\n", yesno(sched_getcpu() == first));
	TRY("sched_setaffinity restore", sched_setaffinity(0, sizeof set, &set));
	cpu_set_t none;
	CPU_ZERO(&none);
	TRY("sched_setaffinity empty set", sched_setaffinity(0, sizeof none, &none));
	TRY("sched_getaffinity tiny size", sched_getaffinity(0, 1, &set));

	/* nice: raising is always allowed; the value is per process */
	errno = 0;
	int base = getpriority(PRIO_PROCESS, 0);
	pid_t p = xfork();
	if (p == 0) {
		errno = 0;
		int n = nice(3);
		printf("child nice(3): +3 from parent: %s\n", yesno(n == base + 3 || (base + 3 > 19 && n == 19)));
		printf("getpriority agrees: %s\n", yesno(getpriority(PRIO_PROCESS, 0) == n));
		TRY("setpriority 19", setpriority(PRIO_PROCESS, 0, 19));
		printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
		TRY("setpriority 100 (clamped to 19)", setpriority(PRIO_PROCESS, 0, 100));
		printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
		_exit(0);
	}
	wait_report("child", p);
	printf("parent priority unchanged: %s\n", yesno(getpriority(PRIO_PROCESS, 0) == base));
	errno = 0;
	int r = getpriority(PRIO_PROCESS, 999999);
	printf("getpriority(nonexistent): %d %s\n", r, errname(errno));
	TRY("getpriority bad which", getpriority(42, 0));
	return 0;
}
