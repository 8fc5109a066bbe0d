// What is missing from system calls the kernel does serve: the notes of the
// "partial" rows of docs/syscalls.md. A call leaves this list when it is complete.
export const PARTIAL: Record<string, string> = {
  fcntl: 'record locks (F_SETLK/F_GETLK/OFD) are accepted but not kept; F_SETOWN/F_SETSIG ignored',
  flock: 'accepted but not kept',
  ppoll: 'the temporary signal mask is not applied',
  pselect6: 'the temporary signal mask is not applied',
  epoll_pwait: 'the temporary signal mask is not applied',
  epoll_pwait2: 'the temporary signal mask is not applied',
  openat2: 'RESOLVE_* flags refused with EINVAL',
  clone: 'namespaces (CLONE_NEW*) and CLONE_PIDFD refused',
  clone3: 'namespaces (CLONE_NEW*), CLONE_PIDFD and set_tid refused',
  execve: 'ELF programs must live on hostfs (loaded by the host); no setuid on exec yet',
  execveat: 'as execve',
  wait4: 'rusage is zero',
  mmap: 'files with a host object behind them (hostfs, memfd, /dev/zero); others ENODEV',
};
