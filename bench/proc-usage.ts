/**
 * Memory and CPU of a process and everything it forked, read from Linux `/proc`: the figures the benchmark reports
 * for the worker (and, to show where CPU goes, for the simulator and the dev server). Reading `/proc` costs
 * nothing in the measured process, unlike asking it over IPC.
 */

import { readdirSync, readFileSync } from 'node:fs';

/** One reading of a process tree. */
export interface ProcUsage {
  /** Resident memory of the root and its live descendants, MiB. */
  rssMb: number;
  /** CPU seconds (user + system) of the root and its descendants, reaped ones included. */
  cpuSeconds: number;
}

/** What `/proc/PID/stat` says about one process. */
export interface ProcStat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  ownTicks: number;
  /** cutime + cstime: children it already reaped, in clock ticks. */
  reapedTicks: number;
}

/** Linux's `USER_HZ`, fixed at 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** Every process's `stat` line at one instant, so that several trees are read from one scan of `/proc`. */
export type ProcTable = ReadonlyMap<number, ProcStat>;

/** Scans `/proc` once. */
export function readProcTable(): ProcTable {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined) table.set(Number(name), stat);
  }
  return table;
}

/** The tree rooted at `pid` in `table`; undefined once the process is gone. */
export function treeUsage(table: ProcTable, pid: number): ProcUsage | undefined {
  const root = table.get(pid);
  if (root === undefined) return undefined;
  let rssKb = 0;
  let ticks = root.reapedTicks;
  for (const member of [pid, ...descendants(table, pid)]) {
    ticks += (table.get(member) as ProcStat).ownTicks;
    rssKb += readRssKb(member);
  }
  return { rssMb: rssKb / 1024, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/** CPU seconds of this very process, for the benchmark driver's own share. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function descendants(table: ProcTable, pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, stat] of table) {
      if (stat.ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); ppid is field 4, utime..cstime are fields 14..17.
  const field = (n: number): number => Number(fields[n - 3]);
  return { ppid: field(4), ownTicks: field(14) + field(15), reapedTicks: field(16) + field(17) };
}

function readRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
