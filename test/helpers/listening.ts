/**
 * The TCP ports a process listens on, read from /proc (Linux): its sockets (`/proc/<pid>/fd`) that the
 * kernel's tables (`/proc/net/tcp`, `tcp6`) list in the LISTEN state. What `ss -ltnp` shows, without
 * needing `ss`.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

const LISTEN = '0A';

/** The ports `pid` (default: this process) listens on over TCP, sorted; IPv4 and IPv6 alike. */
export async function listeningTcpPorts(pid: number = process.pid): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined) {
      inodes.add(match[1]);
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === LISTEN && inode !== undefined && inodes.has(inode) && local !== undefined) {
        ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}
