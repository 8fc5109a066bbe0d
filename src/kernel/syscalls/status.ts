// What is missing from system calls the kernel does serve: the notes of the
// "partial" rows of docs/syscalls.md. A call leaves this list when it is complete.
export const PARTIAL: Record<string, string> = {
  fcntl: 'F_SETOWN/F_SETSIG are kept but SIGIO is never sent',
  ppoll: 'the temporary signal mask is not applied',
  pselect6: 'the temporary signal mask is not applied',
  epoll_pwait: 'the temporary signal mask is not applied',
  epoll_pwait2: 'the temporary signal mask is not applied',
  clone: 'namespaces (CLONE_NEW*) refused',
  clone3: 'namespaces (CLONE_NEW*) and set_tid refused',
  signalfd: 'poll readiness is computed for the thread that last used the fd',
  signalfd4: 'poll readiness is computed for the thread that last used the fd',
  times: 'runs natively: tms_cutime and tms_cstime are the host\'s view (zero)',
  execve: 'ELF programs must live on hostfs (loaded by the host); no setuid on exec yet',
  execveat: 'as execve',
  mmap: 'files with a host object behind them (hostfs, memfd, /dev/zero); others ENODEV',
  futex: 'PI operations are the kernel\'s (a FIFO lock with Linux\'s word protocol, no priority boosting); WAIT_REQUEUE_PI and CMP_REQUEUE_PI: ENOSYS; the others run natively',
  set_robust_list: 'the list is walked when the thread exits, not when it calls execve',
};
