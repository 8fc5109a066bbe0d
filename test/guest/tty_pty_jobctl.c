/* Controlling terminals and job control on a pty: acquisition on open by a
 * session leader, tcgetpgrp/tcsetpgrp/tcgetsid, ^C and ^Z from the master to
 * the foreground group, SIGTTIN/SIGTTOU for a background group (stop, EIO
 * when ignored or orphaned), SIGWINCH, /dev/tty, TIOCSCTTY/TIOCNOTTY, and
 * SIGHUP to the session leader when the master goes away. */
#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>

static volatile sig_atomic_t got[65];
static void on_sig(int s) { got[s]++; }
static void catch(int s)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_sig;   /* no SA_RESTART: a blocked read ends with EINTR */
	sigaction(s, &sa, NULL);
}

static int slave_of(int m, char *name)
{
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0);
	strcpy(name, ptsname(m));
	return 0;
}

static void status(const char *what, int st)
{
	if (WIFSTOPPED(st)) printf("%s: stopped by %s\n", what, strsignal(WSTOPSIG(st)));
	else if (WIFSIGNALED(st)) printf("%s: killed by %s\n", what, strsignal(WTERMSIG(st)));
	else printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	char name[64];
	slave_of(m, name);
	int sync[2];
	CHECK(pipe(sync) == 0);

	pid_t leader = xfork();
	if (leader == 0) {
		close(sync[0]);
		close(m);
		CHECK(setsid() == getpid());
		int s = open(name, O_RDWR);   /* a session leader's open makes it the controlling terminal */
		CHECK(s >= 0);
		printf("tcgetpgrp == own pgrp: %s\n", yesno(tcgetpgrp(s) == getpgrp()));
		printf("tcgetsid == own sid: %s\n", yesno(tcgetsid(s) == getsid(0)));
		int t = open("/dev/tty", O_RDWR);
		printf("open /dev/tty: %s\n", t >= 0 ? "ok" : errname(errno));
		close(t);
		int m2 = posix_openpt(O_RDWR | O_NOCTTY);
		char n2[64];
		slave_of(m2, n2);
		int s2 = open(n2, O_RDWR | O_NOCTTY);
		printf("TIOCSCTTY of a second tty: %s\n", ioctl(s2, TIOCSCTTY, 0) < 0 ? errname(errno) : "ok");
		printf("TIOCNOTTY on a tty that is not ours: %s\n", ioctl(s2, TIOCNOTTY) < 0 ? errname(errno) : "ok");
		close(s2); close(m2);

		/* ^C from the master interrupts our read. */
		catch(SIGINT); catch(SIGWINCH); catch(SIGHUP); catch(SIGCONT);
		char buf[64];
		CHECK(write(sync[1], "1", 1) == 1);
		ssize_t r = read(s, buf, sizeof buf);
		printf("read interrupted by ^C: %s, SIGINT %d\n", r < 0 ? errname(errno) : "no", got[SIGINT]);

		/* A background group: SIGTTIN stops a reader; with SIGTTOU ignored tcsetattr goes on. */
		pid_t bg = xfork();
		if (bg == 0) {
			signal(SIGCONT, SIG_DFL);
			setpgid(0, 0);
			r = read(s, buf, sizeof buf);
			printf("bg: read after SIGCONT: %zd\n", r);
			raise(SIGSTOP);   /* the leader takes the terminal back meanwhile */
			signal(SIGTTOU, SIG_IGN);
			struct termios tt;
			tcgetattr(s, &tt);
			printf("bg: tcsetattr with SIGTTOU ignored: %s\n", tcsetattr(s, TCSANOW, &tt) == 0 ? "ok" : errname(errno));
			signal(SIGTTIN, SIG_IGN);
			r = read(s, buf, sizeof buf);
			printf("bg: read with SIGTTIN ignored: %s\n", r < 0 ? errname(errno) : "data");
			_exit(0);
		}
		setpgid(bg, bg);
		int st;
		CHECK(waitpid(bg, &st, WUNTRACED) == bg);
		status("bg reader", st);
		/* Give it the terminal, let it read a line, take the terminal back. */
		signal(SIGTTOU, SIG_IGN);
		printf("tcsetpgrp(bg): %s\n", tcsetpgrp(s, bg) == 0 ? "ok" : errname(errno));
		kill(bg, SIGCONT);
		CHECK(write(sync[1], "2", 1) == 1);
		CHECK(waitpid(bg, &st, WUNTRACED) == bg);
		status("bg reader", st);
		tcsetpgrp(s, getpgrp());
		kill(bg, SIGCONT);
		/* In the background again, it runs the rest. */
		pid_t w = waitpid(bg, &st, 0);
		printf("bg done: %s\n", yesno(w == bg));
		signal(SIGTTOU, SIG_DFL);

		/* TOSTOP: a background writer stops with SIGTTOU. */
		struct termios tt;
		tcgetattr(s, &tt);
		tt.c_lflag |= TOSTOP;
		tcsetattr(s, TCSANOW, &tt);
		pid_t wr = xfork();
		if (wr == 0) { setpgid(0, 0); write(s, "w\n", 2); _exit(0); }
		setpgid(wr, wr);
		CHECK(waitpid(wr, &st, WUNTRACED) == wr);
		status("bg writer with TOSTOP", st);
		kill(wr, SIGKILL);
		waitpid(wr, &st, 0);
		pid_t tc = xfork();
		if (tc == 0) { setpgid(0, 0); tcsetattr(s, TCSANOW, &tt); _exit(0); }
		setpgid(tc, tc);
		CHECK(waitpid(tc, &st, WUNTRACED) == tc);
		status("bg tcsetattr", st);
		kill(tc, SIGKILL);
		waitpid(tc, &st, 0);
		printf("tcsetpgrp to another session's group: %s\n", tcsetpgrp(s, getppid()) < 0 ? errname(errno) : "ok");

		/* The master resizes: the foreground group gets SIGWINCH. */
		CHECK(write(sync[1], "3", 1) == 1);
		while (!got[SIGWINCH]) usleep(1000);
		struct winsize ws;
		ioctl(s, TIOCGWINSZ, &ws);
		printf("SIGWINCH %d, size %dx%d\n", got[SIGWINCH], ws.ws_row, ws.ws_col);

		/* The master closes: we get SIGHUP (and SIGCONT), reads give end of file. */
		CHECK(write(sync[1], "4", 1) == 1);
		r = read(s, buf, sizeof buf);
		printf("after hangup: read %zd %s, SIGHUP %d, SIGCONT %d\n", r, r < 0 ? errname(errno) : "", got[SIGHUP], got[SIGCONT]);
		printf("tcgetpgrp after hangup: %s\n", tcgetpgrp(s) < 0 ? errname(errno) : "ok");
		_exit(0);
	}
	close(sync[1]);
	char c;
	char buf[256];
	CHECK(read(sync[0], &c, 1) == 1);
	usleep(100000);
	CHECK(write(m, "\003", 1) == 1);
	CHECK(read(sync[0], &c, 1) == 1);
	CHECK(write(m, "line\n", 5) == 5);
	CHECK(read(sync[0], &c, 1) == 1);
	struct winsize ws = { 30, 100, 0, 0 };
	ioctl(m, TIOCSWINSZ, &ws);
	CHECK(read(sync[0], &c, 1) == 1);
	usleep(100000);
	/* Drain what the slave side echoed, then hang up. */
	fcntl(m, F_SETFL, O_NONBLOCK);
	while (read(m, buf, sizeof buf) > 0) {}
	close(m);
	int st;
	CHECK(waitpid(leader, &st, 0) == leader);
	status("leader", st);
	return 0;
}
