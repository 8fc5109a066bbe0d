/* SA_SIGINFO: si_signo, si_code, si_pid, si_uid, si_value, si_addr, si_status. */
#include "common.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static siginfo_t last;
static volatile int got;
static sigjmp_buf jb;

static void handler(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	last = *si;
	got++;
}

static void fault_handler(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	last = *si;
	siglongjmp(jb, 1);
}

static const char *code(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TKILL: return "SI_TKILL";
	case SI_TIMER: return "SI_TIMER";
	case SI_KERNEL: return "SI_KERNEL";
	}
	return "other";
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);

	kill(getpid(), SIGUSR1);
	printf("kill: si_signo=%s si_code=%s si_pid==getpid:%s si_uid==getuid:%s\n", sigabbrev_np(last.si_signo),
	       code(last.si_code), yesno(last.si_pid == getpid()), yesno(last.si_uid == getuid()));
	raise(SIGUSR1);
	printf("raise: si_code=%s si_pid==getpid:%s\n", code(last.si_code), yesno(last.si_pid == getpid()));
	union sigval v = { .sival_int = 4242 };
	sigqueue(getpid(), SIGUSR1, v);
	printf("sigqueue: si_code=%s si_value=%d si_pid==getpid:%s\n", code(last.si_code), last.si_value.sival_int,
	       yesno(last.si_pid == getpid()));

	/* rt_sigqueueinfo with a user-chosen negative code is allowed for self */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 77;
	TRY("rt_sigqueueinfo SI_QUEUE", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
	printf("  si_value=%d\n", last.si_value.sival_int);
	si.si_code = SI_USER; /* non-negative codes are allowed only when targeting oneself */
	TRY("rt_sigqueueinfo SI_USER", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));

	/* Signal from a child process. */
	got = 0;
	pid_t parent = getpid();
	pid_t p = xfork();
	if (p == 0) {
		kill(parent, SIGUSR1);
		_exit(5);
	}
	/* Both USR1 and CHLD arrive; wait for the child first, then look. */
	int st;
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, &old);
	waitpid(p, &st, 0);
	/* reinstall CHLD after wait: pending CHLD siginfo still describes the child */
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("signals received after unblocking: %d\n", got);

	sigprocmask(SIG_BLOCK, &m, NULL); /* before fork: the SIGCHLD must stay pending */
	p = xfork();
	if (p == 0)
		_exit(9);
	siginfo_t wi;
	memset(&wi, 0, sizeof wi);
	sigset_t only_chld;
	sigemptyset(&only_chld);
	sigaddset(&only_chld, SIGCHLD);
	int s = sigwaitinfo(&only_chld, &wi);
	printf("SIGCHLD: sig=%s si_code=%s si_status=%d si_pid==child:%s\n", sigabbrev_np(s),
	       wi.si_code == CLD_EXITED ? "CLD_EXITED" : "other", wi.si_status, yesno(wi.si_pid == p));
	waitpid(p, NULL, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* Faults. */
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);

	volatile int *bad = (volatile int *)0x10;
	if (!sigsetjmp(jb, 1))
		*bad = 1;
	printf("SEGV unmapped: si_code=%s si_addr==fault address:%s\n",
	       last.si_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", yesno(last.si_addr == (void *)bad));

	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)(ro + 8) = 1;
	printf("SEGV read-only: si_code=%s si_addr==fault address:%s\n",
	       last.si_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other", yesno(last.si_addr == ro + 8));

	volatile int zero = 0;
	if (!sigsetjmp(jb, 1))
		zero = 5 / zero;
	printf("FPE: si_signo=%s si_code=%s\n", sigabbrev_np(last.si_signo), last.si_code == FPE_INTDIV ? "FPE_INTDIV" : "other");

	if (!sigsetjmp(jb, 1))
		__asm__ volatile("ud2");
	printf("ILL: si_signo=%s si_code=%s\n", sigabbrev_np(last.si_signo), last.si_code == ILL_ILLOPN ? "ILL_ILLOPN" : "other");

	if (!sigsetjmp(jb, 1))
		__asm__ volatile("int3");
	printf("TRAP: si_signo=%s si_code=%s\n", sigabbrev_np(last.si_signo), last.si_code == SI_KERNEL ? "SI_KERNEL" : "other");
	return 0;
}
