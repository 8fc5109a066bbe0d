#!/bin/sh
# tuml's init for a machine whose root is the host's own / (`tuml` with no
# root=): it mounts the kernel's filesystems over the guest's view of /proc,
# /sys, /dev, /tmp and /run (the host's directories are untouched), names the
# machine, and runs the user's login shell as root on the console. Each
# filesystem is mounted only if the kernel has its type.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

mount -n -t proc -o nosuid,nodev,noexec proc /proc
have() { grep -q "[[:space:]]$1\$" /proc/filesystems 2>/dev/null; }

have sysfs && mount -n -t sysfs -o nosuid,nodev,noexec sysfs /sys
if have devtmpfs && mount -n -t devtmpfs -o nosuid,mode=755 devtmpfs /dev; then
	# /dev is now the kernel's: its directories are the guest's own.
	mkdir -p /dev/pts /dev/shm
	have devpts && mount -n -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=000 devpts /dev/pts
	have tmpfs && mount -n -t tmpfs -o nosuid,nodev tmpfs /dev/shm
fi
if have tmpfs; then
	mount -n -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
	mount -n -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
fi

hostname tuml 2>/dev/null

# The console fds the kernel gave init name the /dev/console under the new
# /dev: reopen them there, so that ttyname(3) (`tty`) finds the device.
if [ -t 0 ] && [ -c /dev/console ]; then
	exec </dev/console >/dev/console
	[ -t 2 ] && exec 2>/dev/console
fi

# halt, poweroff and reboot (systemctl, sysvinit's tools) ask init for a
# new runlevel through sysvinit's FIFO when no systemd runs: a struct
# init_request, magic 0x03091969, command 1, runlevel '0' (halt, power off)
# or '6' (reboot). This init answers it by powering the machine off (tuml
# has no reboot: the machine stops), with the first tool that can call
# reboot(2) itself.
shutdown_now() {
	sync
	systemctl poweroff -ff 2>/dev/null || busybox poweroff -f 2>/dev/null || poweroff -f
}
if [ -d /run ] && mkfifo -m 600 /run/initctl 2>/dev/null; then
	(
		trap '' HUP INT
		while :; do
			req=$(od -An -tx1 -N12 /run/initctl 2>/dev/null | tr -d ' \n')
			case $req in 6919090301000000300000* | 6919090301000000360000*) shutdown_now ;; esac
		done
	) </dev/null >/dev/null 2>&1 &
fi

HOME=/root
SHELL=${SHELL:-/bin/sh}
TERM=${TERM:-linux}
export HOME SHELL TERM
cd "$HOME" 2>/dev/null || cd /

# The shell leads a new session with the console as its controlling
# terminal (setsid -c); -w keeps init waiting, so its status is the shell's.
if setsid -w -c true 2>/dev/null; then
	exec setsid -w -c "$SHELL" -l
fi
exec "$SHELL" -l
