/**
 * Where a timed run's CPU went (Linux /proc): the servers measured, PostgreSQL, the load client
 * (this process), and how busy the machine's cores were. On a machine whose cores the servers,
 * the database and the client all share, writes per second say little without it: a run that
 * leaves cores idle is bound by something else than CPU, and one that keeps every core busy is
 * bound by the CPU each write costs, summed over every process that handles it.
 */
import fs from 'node:fs';
import os from 'node:os';

/** CPU seconds (user + system) a process used so far; 0 when /proc cannot tell (it ended). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The pids of every running PostgreSQL process (postmaster, backends, helpers). */
function postgresPids(): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((d) => /^\d+$/.test(d) && commOf(d) === 'postgres').map(Number);
}

/** CPU seconds every running PostgreSQL process used so far, summed. */
export function postgresSeconds(): number {
  return postgresPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

function commOf(pid: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Seconds all cores spent busy and in all, so far (/proc/stat's first line, in ticks of 1/100 s). */
function machineSeconds(): { busy: number; all: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const all = ticks.reduce((sum, t) => sum + t, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (all - idle) / 100, all: all / 100 };
  } catch {
    return null;
  }
}

const ownSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU per request of a timed run, ms, and the cores busy on average over it. */
export interface CpuShare {
  /** The servers measured (the Kairos instances), summed; null when none was named. */
  serversMs: number | null;
  /** Every PostgreSQL process that lived through the run. */
  postgresMs: number;
  /** The load client: this process. */
  clientMs: number;
  /** Of `cores`, how many were busy on average (any process: these, and whatever else ran). */
  coresBusy: number;
  cores: number;
}

/**
 * Start counting; the returned function, given how many requests were made since, says where
 * their CPU went. Null off Linux. A PostgreSQL backend that starts or ends during the run is
 * left out (the runs measured here keep their connections).
 */
export function cpuMeter(servers: readonly number[]): ((requests: number) => CpuShare) | null {
  const machine0 = machineSeconds();
  if (!machine0) return null;
  const pg = postgresPids();
  const at0 = {
    servers: servers.map(cpuSeconds),
    postgres: new Map(pg.map((pid) => [pid, cpuSeconds(pid)])),
    client: ownSeconds(),
  };
  return (requests) => {
    const machine = machineSeconds() ?? machine0;
    const per = (seconds: number) => (requests > 0 ? (seconds * 1000) / requests : 0);
    const serverSeconds = servers.reduce((sum, pid, i) => sum + cpuSeconds(pid) - (at0.servers[i] ?? 0), 0);
    let postgresSeconds = 0;
    for (const [pid, before] of at0.postgres) {
      const now = cpuSeconds(pid);
      if (now >= before) postgresSeconds += now - before;
    }
    const cores = os.cpus().length;
    const wall = machine.all - machine0.all;
    return {
      serversMs: servers.length ? per(serverSeconds) : null,
      postgresMs: per(postgresSeconds),
      clientMs: per(ownSeconds() - at0.client),
      coresBusy: wall > 0 ? ((machine.busy - machine0.busy) / wall) * cores : 0,
      cores,
    };
  };
}
