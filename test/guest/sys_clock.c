/* Clocks: monotonic non-decreasing, realtime plausible, getres, nanosleep
 * and clock_nanosleep (relative/absolute) durations, errors, times/getrusage. */
#include "common.h"
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
	struct timespec a, b;
	int mono_ok = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(b) < ns(a))
			mono_ok = 0;
		a = b;
	}
	printf("CLOCK_MONOTONIC non-decreasing over 2000 reads: %s\n", yesno(mono_ok));
	clock_gettime(CLOCK_REALTIME, &a);
	printf("CLOCK_REALTIME after 2020: %s\n", yesno(a.tv_sec > 1577836800));
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("gettimeofday within 5s of CLOCK_REALTIME: %s\n", yesno(tv.tv_sec >= a.tv_sec - 5 && tv.tv_sec <= a.tv_sec + 5));
	time_t t = time(NULL);
	printf("time() within 5s: %s\n", yesno(t >= a.tv_sec - 5 && t <= a.tv_sec + 5));

	clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
			       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_REALTIME_COARSE,
			       CLOCK_MONOTONIC_COARSE };
	const char *names[] = { "REALTIME", "MONOTONIC", "MONOTONIC_RAW", "BOOTTIME", "PROCESS_CPUTIME", "THREAD_CPUTIME",
				"REALTIME_COARSE", "MONOTONIC_COARSE" };
	for (int i = 0; i < 8; i++) {
		struct timespec r;
		int g = clock_gettime(clocks[i], &a);
		int rr = clock_getres(clocks[i], &r);
		printf("%s: gettime %s, getres %s, res > 0: %s\n", names[i], g ? errname(errno) : "ok",
		       rr ? errname(errno) : "ok", yesno(r.tv_sec > 0 || r.tv_nsec > 0));
	}
	TRY("clock_gettime invalid clock", clock_gettime(12345, &a));
	TRY("clock_getres invalid clock", clock_getres(12345, &a));
	TRY("clock_settime MONOTONIC (never settable)",
	    clock_settime(CLOCK_MONOTONIC, &a));

	/* BOOTTIME >= MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_BOOTTIME, &b);
	printf("BOOTTIME >= MONOTONIC: %s\n", yesno(ns(b) >= ns(a)));

	/* nanosleep duration */
	struct timespec req = { 0, 30000000 }, rem;
	clock_gettime(CLOCK_MONOTONIC, &a);
	TRY("nanosleep 30ms", nanosleep(&req, &rem));
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("slept >= 30ms: %s\n", yesno(ns(b) - ns(a) >= 30000000LL));
	struct timespec bad = { 0, 1000000000 };
	TRY("nanosleep nsec=1e9", nanosleep(&bad, NULL));
	struct timespec neg = { -1, 0 };
	TRY("nanosleep negative", nanosleep(&neg, NULL));
	struct timespec zero = { 0, 0 };
	TRY("nanosleep 0", nanosleep(&zero, NULL));

	/* clock_nanosleep absolute */
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec until = a;
	until.tv_nsec += 20000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("clock_nanosleep ABSTIME: %s, woke at/after deadline: %s\n", r ? errname(r) : "ok", yesno(ns(b) >= ns(until)));
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL);
	printf("clock_nanosleep ABSTIME in the past: %s\n", r ? errname(r) : "ok");
	r = clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL);
	printf("clock_nanosleep THREAD_CPUTIME: %s\n", r ? errname(r) : "ok");
	r = clock_nanosleep(12345, 0, &req, NULL);
	printf("clock_nanosleep invalid clock: %s\n", r ? errname(r) : "ok");

	/* CPU time accounting moves forward */
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 50000000UL; i++)
		x += i;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	printf("process CPU time advanced while spinning: %s\n", yesno(ns(c1) > ns(c0)));
	struct rusage ru;
	TRY("getrusage SELF", getrusage(RUSAGE_SELF, &ru));
	printf("ru_utime > 0: %s\n", yesno(ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0));
	TRY("getrusage bad who", getrusage(42, &ru));
	struct tms tm;
	clock_t ct = times(&tm);
	printf("times() returned a value: %s\n", yesno(ct != (clock_t)-1));

	/* children's CPU time appears in RUSAGE_CHILDREN after wait */
	pid_t p = xfork();
	if (p == 0) {
		volatile unsigned long y = 0;
		for (unsigned long i = 0; i < 50000000UL; i++)
			y += i;
		_exit(0);
	}
	waitpid(p, NULL, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("RUSAGE_CHILDREN utime+stime > 0 after waiting: %s\n",
	       yesno(ru.ru_utime.tv_sec + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec > 0));
	return 0;
}
