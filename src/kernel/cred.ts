// Credentials (include/linux/cred.h): the ids and capabilities of a task,
// kept by the kernel. The first guest process is root with every capability.

export const CAP_LAST_CAP = 40;
export const CAP_FULL = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;

export class Cred {
  uid = 0; euid = 0; suid = 0; fsuid = 0;
  gid = 0; egid = 0; sgid = 0; fsgid = 0;
  groups: number[] = [];
  capEffective = CAP_FULL;
  capPermitted = CAP_FULL;
  capInheritable = 0n;
  capBounding = CAP_FULL;
  capAmbient = 0n;
  /** prctl(PR_SET_KEEPCAPS) */
  keepCaps = false;

  clone(): Cred {
    const c = new Cred();
    Object.assign(c, this);
    c.groups = [...this.groups];
    return c;
  }

  capable(cap: number): boolean {
    return (this.capEffective & (1n << BigInt(cap))) !== 0n;
  }

  inGroup(gid: number): boolean {
    return this.fsgid === gid || this.groups.includes(gid);
  }
}

export const CAP = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6,
  SETUID: 7, SETPCAP: 8, NET_BIND_SERVICE: 10, NET_ADMIN: 12, NET_RAW: 13, SYS_CHROOT: 18,
  SYS_PTRACE: 19, SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23, SYS_RESOURCE: 24, MKNOD: 27,
} as const;
