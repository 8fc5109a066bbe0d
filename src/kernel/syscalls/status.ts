// What is missing from system calls the kernel does serve: the notes of the
// "partial" rows of docs/syscalls.md. A call leaves this list when it is complete.
export const PARTIAL: Record<string, string> = {
  fcntl: 'F_SETOWN/F_SETSIG are kept but SIGIO is never sent',
  ppoll: 'the temporary signal mask is not applied',
  pselect6: 'the temporary signal mask is not applied',
  epoll_pwait: 'the temporary signal mask is not applied',
  epoll_pwait2: 'the temporary signal mask is not applied',
  clone: 'namespaces other than CLONE_NEWNS refused',
  clone3: 'namespaces other than CLONE_NEWNS, and set_tid, refused',
  mount: 'propagation types are kept and shown but no mount propagates to peers or slaves; atime flags are shown, not applied',
  umount2: 'MNT_FORCE does nothing more than a plain umount; a lazily detached mount still in use keeps its superblock until the machine stops',
  unshare: 'CLONE_NEWNS, CLONE_FS, CLONE_FILES (and the thread flags for a single thread); other namespaces EINVAL',
  signalfd: 'poll readiness is computed for the thread that last used the fd',
  signalfd4: 'poll readiness is computed for the thread that last used the fd',
  times: 'runs natively: tms_cutime and tms_cstime are the host\'s view (zero)',
  execve: 'no setuid on exec yet',
  execveat: 'as execve',
  mmap: 'a file with no host object behind it (ext2) maps a copy: private mappings exact, shared read-only ones a snapshot, shared writable ones ENODEV',
  futex: 'PI operations are the kernel\'s (a FIFO lock with Linux\'s word protocol, no priority boosting); WAIT_REQUEUE_PI and CMP_REQUEUE_PI: ENOSYS; the others run natively',
  socket: 'AF_UNIX, AF_INET/AF_INET6 TCP and UDP, AF_INET ICMP (ping sockets and raw ICMP), AF_NETLINK NETLINK_ROUTE; raw sockets of other protocols, ICMPv6, packet and other families: EPROTONOSUPPORT/EAFNOSUPPORT',
  inotify_add_watch: 'events come from the kernel\'s own operations (not from changes the host makes behind hostfs or the overlay\'s lower layer); IN_DELETE_SELF comes when the last link goes, even while the file is open; IN_UNMOUNT is never sent',
  shmat: 'an attachment the process unmaps with munmap (not shmdt) counts in shm_nattch until it execs or exits',
  msgrcv: 'MSG_COPY: ENOSYS, as a kernel built without CONFIG_CHECKPOINT_RESTORE',
  setns: 'namespace files of /proc/PID/ns; a pidfd (Linux 5.8) is EINVAL. Only mount namespaces come in more than one',
  io_submit: 'each iocb is done by its file at submission (as Linux does for buffered files); a poll iocb waits in io_submit for its file to be ready',
  io_cancel: 'nothing is ever in flight after io_submit returns, so EINVAL, as for a completed iocb',
  socketpair: 'AF_UNIX; other families EOPNOTSUPP (as Linux)',
  sendto: 'MSG_OOB on AF_UNIX streams: EOPNOTSUPP (as a kernel without CONFIG_AF_UNIX_OOB)',
  sendmsg: 'as sendto; SCM_RIGHTS and SCM_CREDENTIALS only (no SCM_PIDFD/SCM_SECURITY)',
  sendmmsg: 'as sendmsg',
  recvfrom: 'MSG_OOB: EOPNOTSUPP/EINVAL; MSG_ERRQUEUE and SO_PEEK_OFF not supported',
  recvmsg: 'as recvfrom; SO_TIMESTAMP* are kept but no timestamp message is added',
  recvmmsg: 'as recvmsg; the timeout is checked between messages (as Linux)',
  setsockopt: 'SOL_SOCKET options, the common IP/IPV6/TCP and SOL_NETLINK ones (kept and reported, TCP_NODELAY and keepalive settings have no effect on a loopback stream); SO_ATTACH_FILTER/BPF, SO_PEEK_OFF, SO_BINDTODEVICE: ENOPROTOOPT',
  getsockopt: 'as setsockopt',
  set_robust_list: 'the list is walked when the thread exits, not when it calls execve',
};

/**
 * Calls that x86-64 Linux itself answers with ENOSYS: the "absent" rows of
 * docs/syscalls.md (tuml answers the same, which is not a gap).
 */
export const ABSENT: Record<string, string> = {
  uselib: 'needs CONFIG_USELIB, which distribution kernels leave out',
  _sysctl: 'removed in Linux 5.5 (use /proc/sys)',
  create_module: 'removed in Linux 2.6',
  get_kernel_syms: 'removed in Linux 2.6',
  query_module: 'removed in Linux 2.6',
  nfsservctl: 'removed in Linux 3.1',
  getpmsg: 'never implemented by Linux',
  putpmsg: 'never implemented by Linux',
  afs_syscall: 'never implemented by Linux',
  tuxcall: 'never implemented by Linux',
  security: 'never implemented by Linux',
  vserver: 'never implemented by Linux',
  epoll_ctl_old: 'never implemented on x86-64',
  epoll_wait_old: 'never implemented on x86-64',
};
