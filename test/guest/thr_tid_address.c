/* set_tid_address / CLONE_CHILD_CLEARTID semantics, raw clone() thread. */
#include "common.h"
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static volatile pid_t ctid_word;
static volatile int child_ran;

static int thread_fn(void *arg)
{
	(void)arg;
	child_ran = 1;
	return 0; /* glibc's clone wrapper calls exit(0) -> SYS_exit for this thread */
}

int main(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	static int dummy;
	long r = syscall(SYS_set_tid_address, &dummy);
	printf("set_tid_address returns caller tid: %s\n", yesno(r == tid));

	/* Raw clone thread with CHILD_SETTID|CHILD_CLEARTID: the kernel writes
	 * the tid, then clears it and futex-wakes at exit. */
	size_t sz = 256 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	CHECK(stack != MAP_FAILED);
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	pid_t ptid = 0;
	ctid_word = -1;
	pid_t t = clone(thread_fn, stack + sz, flags, NULL, &ptid, NULL, &ctid_word);
	CHECK(t > 0);
	printf("clone returned a tid != own: %s\n", yesno(t != tid));
	printf("PARENT_SETTID wrote the new tid: %s\n", yesno(ptid == t));
	/* wait for the clear via futex, like pthread_join */
	for (;;) {
		pid_t v = ctid_word;
		if (v == 0)
			break;
		syscall(SYS_futex, &ctid_word, FUTEX_WAIT, v, NULL, NULL, 0);
	}
	printf("thread ran: %s; ctid cleared to 0 at exit: yes\n", yesno(child_ran));
	printf("process still alive after clone thread exit: yes\n");

	/* Clone a process (no CLONE_VM) with SIGCHLD as exit signal. */
	child_ran = 0;
	pid_t c = clone(thread_fn, stack + sz, SIGCHLD, NULL);
	CHECK(c > 0);
	int st;
	CHECK(waitpid(c, &st, 0) == c);
	printf("clone(SIGCHLD) child: %s; parent's memory untouched: %s\n", wstatus_str(st), yesno(!child_ran));

	/* Clone with a different exit signal needs __WCLONE/__WALL to wait. */
	signal(SIGUSR1, SIG_IGN);
	c = clone(thread_fn, stack + sz, SIGUSR1, NULL);
	CHECK(c > 0);
	msleep(20);
	r = waitpid(c, &st, WNOHANG);
	printf("waitpid without __WALL on clone child: %s\n", r < 0 ? errname(errno) : r == 0 ? "0" : "returned child");
	r = waitpid(c, &st, __WALL);
	printf("waitpid __WALL: returned child %s, %s\n", yesno(r == c), wstatus_str(st));
	return 0;
}
