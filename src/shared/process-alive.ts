/** Whether a process still runs, by its id (a signal 0 is sent: nothing is delivered). */

/** True when process `pid` runs, this user's or (EPERM) another user's. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
