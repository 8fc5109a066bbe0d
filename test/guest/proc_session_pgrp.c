/* Sessions and process groups: setsid, setpgid, getpgid, getsid relations. */
#include "common.h"

int main(void)
{
	pid_t me = getpid();
	printf("getpgid(0)==getpgrp(): %s\n", yesno(getpgid(0) == getpgrp()));
	printf("getsid(0)==getsid(getpid()): %s\n", yesno(getsid(0) == getsid(me)));

	int res[2];
	CHECK(pipe(res) == 0);
	pid_t p = xfork();
	if (p == 0) {
		pid_t c = getpid();
		printf("child: same pgrp as parent: %s\n", yesno(getpgrp() == getpgid(me)));
		printf("child: same session as parent: %s\n", yesno(getsid(0) == getsid(me)));
		pid_t s = setsid();
		printf("child: setsid() returned own pid: %s\n", yesno(s == c));
		printf("child: now getsid==getpid: %s, getpgrp==getpid: %s\n",
		       yesno(getsid(0) == c), yesno(getpgrp() == c));
		errno = 0;
		TRY("child: setsid again (already leader)", setsid());
		TRY("child: setpgid(0,0) as session leader", setpgid(0, 0));
		/* grandchild: new group inside the new session */
		pid_t g = fork();
		if (g == 0) {
			pid_t gc = getpid();
			printf("grandchild: inherits session: %s\n", yesno(getsid(0) == c));
			TRY("grandchild: setpgid(0,0)", setpgid(0, 0));
			printf("grandchild: own group: %s\n", yesno(getpgrp() == gc));
			TRY("grandchild: setpgid(0, sid) back to leader's group", setpgid(0, c));
			printf("grandchild: back in leader's group: %s\n", yesno(getpgrp() == c));
			TRY("grandchild: setpgid(0, nonexistent group)", setpgid(0, 999999));
			_exit(0);
		}
		waitpid(g, NULL, 0);
		_exit(0);
	}
	CHECK(waitpid(p, NULL, 0) == p);

	p = xfork();
	if (p == 0) {
		char c;
		close(res[1]);
		CHECK(read(res[0], &c, 1) == 1); /* wait until parent changes our group */
		printf("child2: pgrp==own pid after parent's setpgid: %s\n", yesno(getpgrp() == getpid()));
		_exit(0);
	}
	TRY("parent: setpgid(child, child)", setpgid(p, p));
	printf("parent: getpgid(child)==child: %s\n", yesno(getpgid(p) == p));
	printf("parent: getsid(child)==own sid: %s\n", yesno(getsid(p) == getsid(0)));
	write(res[1], "g", 1);
	CHECK(waitpid(p, NULL, 0) == p);

	/* After exec, the parent may no longer change the child's group (EACCES). */
	int sync2[2];
	CHECK(pipe(sync2) == 0);
	p = xfork();
	if (p == 0) {
		close(sync2[0]);
		dup2(sync2[1], 3);
		char *a[] = { "sh", "-c", "echo x >&3; exec sleep 5", NULL };
		execv("/bin/sh", a);
		_exit(127);
	}
	close(sync2[1]);
	char c;
	CHECK(read(sync2[0], &c, 1) == 1);
	TRY("parent: setpgid(execed child)", setpgid(p, p));
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);

	TRY("setpgid(non-child)", setpgid(999999, 999999));
	TRY("getpgid(nonexistent)", getpgid(999999));
	TRY("getsid(nonexistent)", getsid(999999));
	TRY("setpgid negative pgid", setpgid(0, -1));
	return 0;
}
