/* sigaltstack: handler runs on the alternate stack, SS_ONSTACK inside,
 * stack overflow caught on the alt stack, EPERM when changing while on it. */
#include "common.h"
#include <setjmp.h>
#include <stdint.h>
#include <sys/resource.h>

static char *alt;
static size_t altsz = 1 << 16;
static volatile int on_alt, onstack_flag, change_err;
static sigjmp_buf jb;

static void h(int s)
{
	(void)s;
	char local;
	on_alt = (uintptr_t)&local >= (uintptr_t)alt && (uintptr_t)&local < (uintptr_t)alt + altsz;
	stack_t ss;
	sigaltstack(NULL, &ss);
	onstack_flag = !!(ss.ss_flags & SS_ONSTACK);
	stack_t n = { .ss_sp = alt, .ss_size = altsz, .ss_flags = 0 };
	change_err = sigaltstack(&n, NULL) < 0 ? errno : 0;
}

static void segv(int s)
{
	(void)s;
	char local;
	on_alt = (uintptr_t)&local >= (uintptr_t)alt && (uintptr_t)&local < (uintptr_t)alt + altsz;
	siglongjmp(jb, 1);
}

static volatile int depth_limit = 1 << 30;
static int recurse(int n)
{
	volatile char buf[1024];
	buf[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return recurse(n + 1) + buf[0];
}

int main(void)
{
	alt = malloc(altsz);
	stack_t ss = { .ss_sp = alt, .ss_size = altsz, .ss_flags = 0 }, old;
	TRY("sigaltstack set", sigaltstack(&ss, &old));
	printf("previously disabled: %s\n", yesno(old.ss_flags & SS_DISABLE));
	stack_t q;
	sigaltstack(NULL, &q);
	printf("query: sp matches %s, size matches %s, flags=%d\n", yesno(q.ss_sp == alt), yesno(q.ss_size == altsz),
	       q.ss_flags);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("SA_ONSTACK handler on alt stack: %s, SS_ONSTACK seen: %s, change while on it: %s\n", yesno(on_alt),
	       yesno(onstack_flag), change_err ? errname(change_err) : "ok");

	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("without SA_ONSTACK on alt stack: %s, SS_ONSTACK seen: %s\n", yesno(on_alt), yesno(onstack_flag));

	stack_t small = { .ss_sp = alt, .ss_size = 512, .ss_flags = 0 };
	TRY("too small stack", sigaltstack(&small, NULL));
	stack_t badf = { .ss_sp = alt, .ss_size = altsz, .ss_flags = 0x1234 };
	TRY("bad flags", sigaltstack(&badf, NULL));

	/* Stack overflow: only catchable on the alternate stack. */
	pid_t p = xfork();
	if (p == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		rl.rlim_cur = rl.rlim_max = 1 << 20;
		setrlimit(RLIMIT_STACK, &rl);
		struct sigaction s2;
		memset(&s2, 0, sizeof s2);
		s2.sa_handler = segv;
		s2.sa_flags = SA_ONSTACK;
		sigaction(SIGSEGV, &s2, NULL);
		if (!sigsetjmp(jb, 1))
			recurse(0);
		printf("child: caught stack overflow on alt stack: %s\n", yesno(on_alt));
		_exit(0);
	}
	wait_report("overflow child with alt stack", p);

	p = xfork();
	if (p == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		stack_t dis = { .ss_flags = SS_DISABLE };
		sigaltstack(&dis, NULL);
		struct sigaction s2;
		memset(&s2, 0, sizeof s2);
		s2.sa_handler = segv;
		s2.sa_flags = SA_ONSTACK;
		sigaction(SIGSEGV, &s2, NULL);
		if (!sigsetjmp(jb, 1))
			recurse(0);
		_exit(0);
	}
	wait_report("overflow child without alt stack", p);

	stack_t dis = { .ss_flags = SS_DISABLE };
	TRY("disable", sigaltstack(&dis, NULL));
	sigaltstack(NULL, &q);
	printf("disabled now: %s\n", yesno(q.ss_flags & SS_DISABLE));
	return 0;
}
