/**
 * CPU quotas per process, as if each ran on a small machine of its own: one cgroup v1 `cpu` group
 * per process, `cores` cores' worth of every 100 ms. Linux, as root, with the v1 controller
 * mounted at /sys/fs/cgroup/cpu (this machine's); `quotaProblem` says why not, elsewhere.
 */
import fs from 'node:fs';

const CGROUPS = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

/** Null when quotas can be set here, else what is missing. */
export function quotaProblem(): string | null {
  if (!fs.existsSync(`${CGROUPS}/cpu.cfs_quota_us`)) return `no cgroup v1 cpu controller at ${CGROUPS}`;
  if (process.getuid?.() !== 0) return 'CPU quotas need root';
  return null;
}

/** Hold each of `pids` to `cores` CPU; the returned function removes the groups (once the processes have exited). */
export function capEach(pids: readonly number[], cores: number): () => void {
  const dirs = pids.map((pid) => {
    const dir = `${CGROUPS}/kairos-bench-${pid}`;
    fs.mkdirSync(dir);
    fs.writeFileSync(`${dir}/cpu.cfs_period_us`, String(PERIOD_US));
    fs.writeFileSync(`${dir}/cpu.cfs_quota_us`, String(Math.round(cores * PERIOD_US)));
    fs.writeFileSync(`${dir}/cgroup.procs`, String(pid));
    return dir;
  });
  return () => {
    for (const dir of dirs) {
      try {
        fs.rmdirSync(dir);
      } catch {}
    }
  };
}
