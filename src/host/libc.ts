// The host C library through koffi: the only foreign-function declarations of
// tuml. Everything the kernel asks of the host goes through here, mostly as raw
// system calls made by a small machine-code stub (so that no variadic libc
// wrapper such as ptrace(2) or syscall(2) has to be marshalled by koffi).
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

const c_mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
const c_mprotect = libc.func('int mprotect(void *addr, size_t len, int prot)');

const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

/** A region of host memory with a fixed address, seen from JS as a Buffer. */
export interface HostRegion {
  readonly addr: bigint;
  readonly buf: Buffer;
  readonly ptr: unknown;
}

export function allocRegion(size: number, exec = false): HostRegion {
  const ptr = c_mmap(null, size, PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const addr = koffi.address(ptr);
  if (addr === 0xffffffffffffffffn || addr === 0n) throw new Error('tuml: host mmap failed');
  return { addr, ptr, buf: Buffer.from(koffi.view(ptr, size)) };
}

/**
 * Machine code of the host-side stubs. Assembly (Intel syntax):
 *
 * sys6(nr, a1, a2, a3, a4, a5, a6) -> rax          ; offset 0x00
 *   mov rax, rdi; mov rdi, rsi; mov rsi, rdx; mov rdx, rcx
 *   mov r10, r8;  mov r8, r9;   mov r9, [rsp+8]
 *   syscall; ret
 *
 * spawn(block) -> pid or -errno                    ; offset 0x1a
 *   ; block: [0] path [8] argv [16] envp [24] sock_fprog* [32] 32 zero bytes
 *   mov r9, rdi; mov eax, 57; syscall            ; fork()
 *   test rax, rax; jz child; ret                 ; parent returns the pid
 * child:                                         ; only raw syscalls from here
 *   mov eax, 112; syscall                        ; setsid()
 *   prctl(PR_SET_PDEATHSIG=1, SIGKILL)           ; mov eax,157; edi=1; esi=9; rdx=r10=r8=0
 *   ptrace(PTRACE_TRACEME)                       ; mov eax,101; edi=esi=edx=r10=0
 *   kill(getpid(), SIGSTOP)                      ; eax=39; then edi=eax, esi=19, eax=62
 *   for (r12 = 1; r12 != 65; r12++)              ; reset every disposition (Node
 *     rt_sigaction(r12, block+32, 0, 8)          ;  ignores SIGPIPE) to SIG_DFL
 *   rt_sigprocmask(SIG_SETMASK, block+32, 0, 8)  ; and unblock everything
 *   close_range(0, ~0U, 0)                       ; the guest owns no host fd
 *   prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
 *   seccomp(SECCOMP_SET_MODE_FILTER, 0, [r9+24]); test rax,rax; jnz die
 *   execve([r9], [r9+8], [r9+16])                ; trapped: the kernel serves it
 * die:
 *   mov edi, 127; mov eax, 231; syscall          ; exit_group(127)
 */
const STUB_HEX =
  '4889f84889f74889d64889ca4d89c24d89c84c8b4c24080f05c3' +
  '4989f9b8390000000f054885c07401c3b8700000000f05b89d000000bf01000000be0900000031d24531d24531c00f05' +
  'b86500000031ff31f631d24531d20f05b8270000000f0589c7be13000000b83e0000000f0541bc01000000b80d000000' +
  '4489e7498d712031d241ba080000000f0541ffc44183fc4175e1b80e000000bf02000000498d712031d241ba08000000' +
  '0f05b8b401000031ffbeffffffff31d20f05b89d000000bf26000000be0100000031d24531d24531c00f05b83d010000' +
  'bf0100000031f6498b51180f054885c07512b83b000000498b39498b7108498b51100f05bf7f000000b8e70000000f05';
const SPAWN_OFFSET = 0x1a;

const code = allocRegion(4096, true);
Buffer.from(STUB_HEX, 'hex').copy(code.buf, 0);
c_mprotect(code.ptr, 4096, PROT_READ | PROT_EXEC);

/** Scratch memory with fixed addresses, for arguments passed by pointer. */
export const scratch = allocRegion(1 << 20);

function funcAt(offset: number, proto: string): (...args: any[]) => any {
  // Make an external pointer to code+offset by storing the address and decoding it.
  scratch.buf.writeBigUInt64LE(code.addr + BigInt(offset), 0);
  const fnptr = koffi.decode(scratch.ptr, 0, 'void *');
  return koffi.decode(fnptr, koffi.proto(proto)) as (...args: any[]) => any;
}

const sys6 = funcAt(0, 'int64_t tuml_sys6(int64_t nr, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f)');
const spawnStub = funcAt(SPAWN_OFFSET, 'int64_t tuml_spawn(int64_t block)');

type Arg = number | bigint;

/** A raw host system call; returns the result, negative errno on failure. */
export function syscall(nr: number, a: Arg = 0, b: Arg = 0, c: Arg = 0, d: Arg = 0, e: Arg = 0, f: Arg = 0): number {
  const r = sys6(nr, a, b, c, d, e, f);
  return typeof r === 'bigint' ? Number(r) : r;
}

/** Like syscall() but keeps 64-bit precision (for addresses and register words). */
export function syscallBig(nr: number, a: Arg = 0, b: Arg = 0, c: Arg = 0, d: Arg = 0, e: Arg = 0, f: Arg = 0): bigint {
  return BigInt(sys6(nr, a, b, c, d, e, f));
}

/** Runs the spawn stub: a host child that stops for its tracer, then execs under the filter. */
export function spawnStubRaw(block: bigint): number {
  const r = spawnStub(block);
  return typeof r === 'bigint' ? Number(r) : r;
}

/** Memory for one outstanding asynchronous host call. */
const asyncRegions: HostRegion[] = [];
export function takeAsyncRegion(): HostRegion { return asyncRegions.pop() ?? allocRegion(65536); }
export function giveAsyncRegion(r: HostRegion): void { asyncRegions.push(r); }

/** A raw host system call run on libuv's thread pool: for calls that may block. */
export function syscallAsync(nr: number, a: Arg = 0, b: Arg = 0, c: Arg = 0, d: Arg = 0, e: Arg = 0, f: Arg = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    (sys6 as any).async(nr, a, b, c, d, e, f, (err: unknown, r: number | bigint) => {
      if (err) reject(err); else resolve(typeof r === 'bigint' ? Number(r) : r);
    });
  });
}
