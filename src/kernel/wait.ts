// Wait queues (include/linux/wait.h). A task that must block in a system call
// leaves its host thread stopped and waits here; wake_up() lets it re-check
// its condition. Since the kernel runs on one event loop, a waiter is just a
// callback.

export class WaitQueue {
  private waiters = new Set<() => void>();

  add(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Wakes every waiter (each re-checks its condition and may wait again). */
  wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  get empty(): boolean { return this.waiters.size === 0; }
}
