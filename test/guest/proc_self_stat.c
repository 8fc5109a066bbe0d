/* /proc/self/stat and /proc/<pid>/stat: state letter, comm, ppid/pgrp/session
 * relations, num_threads; states of a stopped and a zombie child; status. */
#include "common.h"
#include <pthread.h>
#include <sys/prctl.h>

struct pstat {
	int pid;
	char comm[64];
	char state;
	int ppid, pgrp, session;
	long threads;
};

static int read_stat(const char *path, struct pstat *s)
{
	char buf[4096];
	if (slurp(path, buf, sizeof buf) <= 0)
		return -1;
	char *lp = strchr(buf, '(');
	char *rp = strrchr(buf, ')');
	if (!lp || !rp)
		return -1;
	s->pid = atoi(buf);
	snprintf(s->comm, sizeof s->comm, "%.*s", (int)(rp - lp - 1), lp + 1);
	/* fields after comm: state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8)
	 * flags(9) minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads(20) */
	char *p = rp + 2;
	s->state = *p;
	long f[20];
	int n = 0;
	p += 2;
	while (n < 17 && *p) {
		f[n++] = strtol(p, &p, 10);
		while (*p == ' ')
			p++;
	}
	s->ppid = (int)f[0];
	s->pgrp = (int)f[1];
	s->session = (int)f[2];
	s->threads = f[16];
	return 0;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(void)
{
	prctl(PR_SET_NAME, "stat-test", 0, 0, 0);
	struct pstat s;
	CHECK(read_stat("/proc/self/stat", &s) == 0);
	printf("pid field == getpid: %s\n", yesno(s.pid == getpid()));
	printf("comm: %s\n", s.comm);
	printf("state: %c\n", s.state);
	printf("ppid == getppid: %s, pgrp == getpgrp: %s, session == getsid: %s\n", yesno(s.ppid == getppid()),
	       yesno(s.pgrp == getpgrp()), yesno(s.session == getsid(0)));
	printf("num_threads: %ld\n", s.threads);
	pthread_t t;
	pthread_create(&t, NULL, idle_thread, NULL);
	read_stat("/proc/self/stat", &s);
	printf("num_threads with one more thread: %ld\n", s.threads);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", getpid());
	struct pstat s2;
	read_stat(path, &s2);
	printf("/proc/<getpid()>/stat is the same process: %s\n", yesno(s2.pid == getpid() && !strcmp(s2.comm, s.comm)));

	/* A child blocked in read (S), stopped (T), then a zombie (Z). */
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		prctl(PR_SET_NAME, "stat-child", 0, 0, 0);
		char b;
		read(p[0], &b, 1);
		_exit(0);
	}
	snprintf(path, sizeof path, "/proc/%d/stat", c);
	/* wait until it is asleep in read */
	for (int i = 0; i < 5000; i++) {
		if (read_stat(path, &s2) == 0 && s2.state == 'S' && !strcmp(s2.comm, "stat-child"))
			break;
		msleep(2);
	}
	printf("child: comm=%s state=%c ppid==me:%s\n", s2.comm, s2.state, yesno(s2.ppid == getpid()));
	kill(c, SIGSTOP);
	waitpid(c, NULL, WUNTRACED);
	read_stat(path, &s2);
	printf("stopped child state: %c\n", s2.state);
	kill(c, SIGCONT);
	write(p[1], "x", 1);
	siginfo_t si;
	waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	read_stat(path, &s2);
	printf("zombie child state: %c\n", s2.state);
	waitpid(c, NULL, 0);
	printf("after reaping, /proc/<child> gone: %s\n", yesno(access(path, F_OK) != 0));

	/* /proc/self/status fields */
	char buf[8192];
	slurp("/proc/self/status", buf, sizeof buf);
	char *l = strstr(buf, "Name:");
	char name[64] = "";
	if (l)
		sscanf(l, "Name: %63s", name);
	printf("status Name: %s\n", name);
	l = strstr(buf, "\nState:");
	printf("status State: %c\n", l ? l[8] : '?');
	int tg = 0, pid = 0, threads = 0;
	if ((l = strstr(buf, "\nTgid:")))
		sscanf(l + 6, "%d", &tg);
	if ((l = strstr(buf, "\nPid:")))
		sscanf(l + 5, "%d", &pid);
	if ((l = strstr(buf, "\nThreads:")))
		sscanf(l + 9, "%d", &threads);
	printf("status Tgid==Pid==getpid: %s, Threads: %d\n", yesno(tg == getpid() && pid == getpid()), threads);
	TRY("open /proc/<nonexistent>/stat", open("/proc/999999/stat", O_RDONLY));
	return 0;
}
