// Linux errno values (asm-generic/errno-base.h and errno.h).
export const E = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLOCK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ECHRNG: 44,
  EL2NSYNC: 45,
  EL3HLT: 46,
  EL3RST: 47,
  ELNRNG: 48,
  EUNATCH: 49,
  ENOCSI: 50,
  EL2HLT: 51,
  EBADE: 52,
  EBADR: 53,
  EXFULL: 54,
  ENOANO: 55,
  EBADRQC: 56,
  EBADSLT: 57,
  EBFONT: 59,
  ENOSTR: 60,
  ENODATA: 61,
  ETIME: 62,
  ENOSR: 63,
  ENONET: 64,
  ENOPKG: 65,
  EREMOTE: 66,
  ENOLINK: 67,
  EADV: 68,
  ESRMNT: 69,
  ECOMM: 70,
  EPROTO: 71,
  EMULTIHOP: 72,
  EDOTDOT: 73,
  EBADMSG: 74,
  EOVERFLOW: 75,
  ENOTUNIQ: 76,
  EBADFD: 77,
  EREMCHG: 78,
  ELIBACC: 79,
  ELIBBAD: 80,
  ELIBSCN: 81,
  ELIBMAX: 82,
  ELIBEXEC: 83,
  EILSEQ: 84,
  ERESTART: 85,
  ESTRPIPE: 86,
  EUSERS: 87,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  ENOTSUP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EUCLEAN: 117,
  ENOTNAM: 118,
  ENAVAIL: 119,
  EISNAM: 120,
  EREMOTEIO: 121,
  EDQUOT: 122,
  ENOMEDIUM: 123,
  EMEDIUMTYPE: 124,
  ECANCELED: 125,
  ENOKEY: 126,
  EKEYEXPIRED: 127,
  EKEYREVOKED: 128,
  EKEYREJECTED: 129,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  ERFKILL: 132,
  EOPNOTSUPP: 95,
  EWOULDBLOCK: 11,
} as const;

export const ERRNO_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(E).filter(([k]) => k !== 'EWOULDBLOCK' && k !== 'ENOTSUP').map(([k, v]) => [v, k]));

/**
 * Errnos are the kernel's ordinary answers (a lookup that finds nothing), not
 * faults: they are made without a stack trace, which costs more than the
 * lookup. TUML_ERRNO_STACKS=1 keeps the traces for debugging the kernel.
 */
const ERRNO_STACKS = process.env.TUML_ERRNO_STACKS === '1';

/** Thrown by a syscall handler: the dispatcher turns it into -errno for the guest. */
export class Errno extends Error {
  constructor(readonly errno: number, why?: string) {
    const limit = Error.stackTraceLimit;
    if (!ERRNO_STACKS) Error.stackTraceLimit = 0;
    super(why ?? ERRNO_NAMES[errno] ?? `errno ${errno}`);
    Error.stackTraceLimit = limit;
  }
}

/** Throws Errno for a negative host syscall result, else returns it. */
export function check(r: number): number {
  if (r < 0 && r > -4096) throw new Errno(-r);
  return r;
}

const MESSAGES: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 8: 'Exec format error',
  13: 'Permission denied', 20: 'Not a directory', 21: 'Is a directory', 36: 'File name too long',
  40: 'Too many levels of symbolic links', 7: 'Argument list too long', 12: 'Cannot allocate memory',
};

/** The C library's message for an errno (for the messages tuml itself prints). */
export function strerror(errno: number): string {
  return MESSAGES[errno] ?? ERRNO_NAMES[errno] ?? `Unknown error ${errno}`;
}
