/* The PI futex operations called directly: the word protocol after a lock
 * taken from a dead owner, ESRCH, EDEADLK, EINVAL, EFAULT, ENOSYS for
 * FUTEX_CLOCK_REALTIME with LOCK_PI, UNLOCK_PI by a non-owner; the robust
 * list calls. */
#include "common.h"
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static long futex(unsigned *uaddr, int op, struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, 0, ts, NULL, 0);
}

static void show(const char *label, long r)
{
	printf("%s: %s\n", label, r ? errname(errno) : "ok");
}

int main(void)
{
	unsigned *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(w != MAP_FAILED);
	unsigned me = syscall(SYS_gettid);

	/* A child owns the word (its tid, no robust list) and exits while we wait in LOCK_PI. */
	int r[2];
	CHECK(pipe(r) == 0);
	pid_t c = xfork();
	if (c == 0) {
		*w = syscall(SYS_gettid);
		write_all(r[1], "x", 1);
		msleep(200);
		_exit(0);
	}
	char ch;
	CHECK(read(r[0], &ch, 1) == 1);
	show("LOCK_PI, owner exits meanwhile", futex(w, FUTEX_LOCK_PI, NULL));
	printf("word: mine %s, FUTEX_WAITERS %s, FUTEX_OWNER_DIED %s\n", yesno((*w & FUTEX_TID_MASK) == me),
	       yesno(*w & FUTEX_WAITERS), yesno(*w & FUTEX_OWNER_DIED));
	wait_report("owner", c);
	show("UNLOCK_PI", futex(w, FUTEX_UNLOCK_PI, NULL));
	printf("word after unlock: %#x\n", *w);

	c = xfork();
	if (c == 0)
		_exit(0);
	wait_report("short-lived child", c);
	*w = c;
	show("LOCK_PI, owner long gone", futex(w, FUTEX_LOCK_PI, NULL));
	show("TRYLOCK_PI, owner long gone", futex(w, FUTEX_TRYLOCK_PI, NULL));
	*w = c | FUTEX_OWNER_DIED;
	show("TRYLOCK_PI, owner gone, FUTEX_OWNER_DIED", futex(w, FUTEX_TRYLOCK_PI, NULL));
	*w = FUTEX_OWNER_DIED;
	show("TRYLOCK_PI on FUTEX_OWNER_DIED alone", futex(w, FUTEX_TRYLOCK_PI, NULL));
	printf("word: mine %s, FUTEX_OWNER_DIED kept %s\n", yesno((*w & FUTEX_TID_MASK) == me), yesno(*w & FUTEX_OWNER_DIED));
	*w = 0;
	show("TRYLOCK_PI on 0", futex(w, FUTEX_TRYLOCK_PI, NULL));
	printf("word is my tid: %s\n", yesno(*w == me));
	show("LOCK_PI when mine", futex(w, FUTEX_LOCK_PI, NULL));
	show("TRYLOCK_PI when mine", futex(w, FUTEX_TRYLOCK_PI, NULL));
	show("LOCK_PI unaligned", futex((unsigned *)((char *)w + 1), FUTEX_LOCK_PI, NULL));
	show("LOCK_PI on NULL", futex(NULL, FUTEX_LOCK_PI, NULL));
	show("LOCK_PI | FUTEX_CLOCK_REALTIME", futex(w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, NULL));
	struct timespec bad = { 0, 2000000000 };
	*w = 1;
	show("LOCK_PI with an invalid timeout", futex(w, FUTEX_LOCK_PI, &bad));
	*w = me | FUTEX_WAITERS;
	show("UNLOCK_PI, FUTEX_WAITERS but no waiter", futex(w, FUTEX_UNLOCK_PI, NULL));
	printf("word: %#x\n", *w);
	show("UNLOCK_PI when not the owner", futex(w, FUTEX_UNLOCK_PI, NULL));
	unsigned *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("LOCK_PI on a read-only word", futex(ro, FUTEX_LOCK_PI, NULL));

	long head;
	size_t len;
	show("get_robust_list(0)", syscall(SYS_get_robust_list, 0, &head, &len));
	printf("len %zu, head set %s\n", len, yesno(head != 0));
	show("set_robust_list with a bad size", syscall(SYS_set_robust_list, head, 23));
	show("set_robust_list", syscall(SYS_set_robust_list, head, len));
	show("get_robust_list of no such thread", syscall(SYS_get_robust_list, 999999, &head, &len));
	return 0;
}
