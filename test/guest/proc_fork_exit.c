/* fork(): exit statuses, pid relations, order-independent reaping. */
#include "common.h"

int main(void)
{
	pid_t parent = getpid();
	int codes[] = { 0, 1, 3, 42, 127, 255, 256, 257 };
	int n = sizeof codes / sizeof codes[0];
	pid_t kids[8];

	/* Each child reports its relation to the parent through its exit code
	 * only; nothing is printed concurrently. */
	for (int i = 0; i < n; i++) {
		pid_t p = xfork();
		if (p == 0) {
			if (getppid() != parent)
				_exit(200);
			if (getpid() == parent)
				_exit(201);
			exit(codes[i]);
		}
		kids[i] = p;
	}
	int distinct = 1;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (kids[i] == kids[j])
				distinct = 0;
	printf("child pids distinct: %s\n", yesno(distinct));
	for (int i = 0; i < n; i++)
		printf("child pid != parent pid: %s\n", yesno(kids[i] != parent));

	/* Reap in reverse order. */
	for (int i = n - 1; i >= 0; i--) {
		char label[64];
		snprintf(label, sizeof label, "exit(%d)", codes[i]);
		wait_report(label, kids[i]);
	}
	errno = 0;
	TRY("wait with no children", wait(NULL));

	/* A child that prints, then the parent prints after waiting. */
	pid_t p = xfork();
	if (p == 0) {
		printf("child: getppid()==parent's getpid(): %s\n", yesno(getppid() == parent));
		printf("child: getpid()!=parent: %s\n", yesno(getpid() != parent));
		_exit(7);
	}
	int st;
	pid_t r = wait(&st);
	printf("wait() returned the child: %s\n", yesno(r == p));
	printf("status: %s\n", wstatus_str(st));

	/* Return from main == exit. */
	p = xfork();
	if (p == 0)
		return 9;
	wait_report("return 9 from main", p);

	/* Grandchild: child waits for its own child. */
	p = xfork();
	if (p == 0) {
		pid_t me = getpid();
		pid_t g = fork();
		if (g == 0)
			_exit(getppid() == me ? 5 : 6);
		int s;
		if (waitpid(g, &s, 0) != g)
			_exit(99);
		_exit(WIFEXITED(s) ? WEXITSTATUS(s) + 10 : 98);
	}
	wait_report("child reports grandchild status+10", p);
	return 0;
}
