/** A process's memory as Linux reports it in `/proc/<pid>/status`, for tests that bound it. */
import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

/** `VmRSS` (resident now) or `VmHWM` (its peak) of process `pid`, in MiB. */
export function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return (kib * 1024) / MIB;
}
