/* waitpid WNOHANG, waiting for any child, ECHILD, waitpid on non-child. */
#include "common.h"

int main(void)
{
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t p = xfork();
	if (p == 0) {
		close(go[1]);
		char c;
		ssize_t r = read(go[0], &c, 1);
		_exit(r == 1 ? c : 100);
	}
	close(go[0]);
	int st = -1;
	pid_t r = waitpid(p, &st, WNOHANG);
	printf("WNOHANG while child blocked returns 0: %s\n", yesno(r == 0));
	r = waitpid(-1, &st, WNOHANG);
	printf("WNOHANG(-1) while child blocked returns 0: %s\n", yesno(r == 0));
	char c = 21;
	write_all(go[1], &c, 1);
	close(go[1]);
	/* Poll with WNOHANG until it exits (bounded). */
	int tries = 0;
	do {
		r = waitpid(p, &st, WNOHANG);
		if (r == 0) {
			msleep(2);
			tries++;
		}
	} while (r == 0 && tries < 5000);
	printf("WNOHANG eventually returns child: %s\n", yesno(r == p));
	printf("status: %s\n", wstatus_str(st));
	errno = 0;
	TRY("waitpid(-1) no children", waitpid(-1, &st, 0));
	TRY("waitpid(-1, WNOHANG) no children", waitpid(-1, &st, WNOHANG));
	TRY("waitpid(reaped child)", waitpid(p, &st, 0));
	TRY("waitpid(own pid)", waitpid(getpid(), &st, 0));
	TRY("waitpid bad options", waitpid(-1, &st, 0x00100000));

	/* Several children; waitpid(-1) collects all of them, any order. */
	pid_t kids[5];
	for (int i = 0; i < 5; i++) {
		kids[i] = xfork();
		if (kids[i] == 0)
			_exit(10 + i);
	}
	int seen[5] = { 0 };
	for (int i = 0; i < 5; i++) {
		r = waitpid(-1, &st, 0);
		for (int j = 0; j < 5; j++)
			if (r == kids[j] && WIFEXITED(st) && WEXITSTATUS(st) == 10 + j)
				seen[j]++;
	}
	for (int j = 0; j < 5; j++)
		printf("child %d reaped once with its status: %s\n", j, yesno(seen[j] == 1));
	TRY("wait() after all reaped", wait(&st));

	/* waitpid for process group 0 (own group) */
	p = xfork();
	if (p == 0)
		_exit(33);
	r = waitpid(0, &st, 0);
	printf("waitpid(0) returns child in same pgrp: %s, %s\n", yesno(r == p), wstatus_str(st));

	/* Child in its own process group, waited via -pgid. */
	p = xfork();
	if (p == 0) {
		setpgid(0, 0);
		_exit(44);
	}
	setpgid(p, p); /* race-free: either call makes it so */
	r = waitpid(-p, &st, 0);
	printf("waitpid(-pgid) returns child: %s, %s\n", yesno(r == p), wstatus_str(st));
	return 0;
}
