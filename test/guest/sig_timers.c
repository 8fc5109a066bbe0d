/* alarm(), setitimer/getitimer (REAL, VIRTUAL, PROF), POSIX timers with signals. */
#include "common.h"
#include <sys/time.h>

static volatile int alrm, vtalrm, prof, rt;
static volatile int rt_value, rt_code;

static void h(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	if (s == SIGALRM) alrm++;
	if (s == SIGVTALRM) vtalrm++;
	if (s == SIGPROF) prof++;
	if (s == SIGRTMIN) {
		rt++;
		rt_value = si->si_value.sival_int;
		rt_code = si->si_code;
	}
}

/* Race-free wait: the signal is blocked between the check and the sleep. */
static void wait_for(volatile int *flag, int min, int sig)
{
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, sig);
	sigprocmask(SIG_BLOCK, &m, &old);
	while (*flag < min)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void burn_until(volatile int *flag)
{
	volatile unsigned long x = 0;
	for (long i = 0; !*flag && i < 4000000000L; i++)
		x += i;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);

	printf("alarm(0) with none pending: %u\n", alarm(0));
	alarm(100);
	unsigned left = alarm(50);
	printf("alarm(50) after alarm(100) returns 99..100: %s\n", yesno(left >= 99 && left <= 100));
	left = alarm(0);
	printf("alarm(0) cancels, returns 49..50: %s\n", yesno(left >= 49 && left <= 50));

	struct itimerval it = { { 0, 0 }, { 0, 30000 } }, cur, old;
	TRY("setitimer REAL 30ms", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer: remaining in (0, 30ms]: %s, interval 0: %s\n",
	       yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000),
	       yesno(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0));
	wait_for(&alrm, 1, SIGALRM);
	getitimer(ITIMER_REAL, &cur);
	printf("fired once: %d, disarmed after: %s\n", alrm, yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0));

	/* periodic */
	alrm = 0;
	struct itimerval per = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &per, NULL);
	wait_for(&alrm, 3, SIGALRM);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, &old);
	printf("periodic fired >=3: yes, old interval 10ms: %s\n", yesno(old.it_interval.tv_usec == 10000));

	TRY("setitimer invalid which", setitimer(42, &it, NULL));
	struct itimerval bad = { { 0, 0 }, { 0, 2000000 } };
	TRY("setitimer usec >= 1e6", setitimer(ITIMER_REAL, &bad, NULL));

	/* CPU-time timers fire while we burn CPU. */
	struct itimerval v = { { 0, 0 }, { 0, 20000 } };
	TRY("setitimer VIRTUAL 20ms", setitimer(ITIMER_VIRTUAL, &v, NULL));
	burn_until(&vtalrm);
	printf("SIGVTALRM received: %s\n", yesno(vtalrm == 1));
	TRY("setitimer PROF 20ms", setitimer(ITIMER_PROF, &v, NULL));
	burn_until(&prof);
	printf("SIGPROF received: %s\n", yesno(prof == 1));

	/* POSIX timer */
	timer_t t;
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 1234;
	TRY("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &t));
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } }, ocur;
	TRY("timer_settime 20ms", timer_settime(t, 0, &its, NULL));
	timer_gettime(t, &ocur);
	printf("timer_gettime armed: %s\n", yesno(ocur.it_value.tv_sec > 0 || ocur.it_value.tv_nsec > 0));
	wait_for(&rt, 1, SIGRTMIN);
	printf("timer signal: count=%d si_code SI_TIMER=%s value=%d\n", rt, yesno(rt_code == SI_TIMER), rt_value);
	printf("timer_getoverrun: %d\n", timer_getoverrun(t));
	/* absolute time in the past fires immediately */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value = now;
	its.it_value.tv_sec -= 1;
	rt = 0;
	TRY("timer_settime ABSTIME in the past", timer_settime(t, TIMER_ABSTIME, &its, NULL));
	wait_for(&rt, 1, SIGRTMIN);
	printf("fired: %d\n", rt);
	TRY("timer_delete", timer_delete(t));
	TRY("timer_delete again", timer_delete(t));
	TRY("timer_create bad clock", timer_create(12345, &sev, &t));
	return 0;
}
