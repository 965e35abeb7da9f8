/**
 * Commits made by another process (say `kairos doctor --fix`) to a SQLite file.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * inotify (fs.watch) on the database's folder: every commit of any process writes the WAL file.
 * A commit becomes visible only after the writer's fsync and its update of the shared-memory
 * index, which raises no file event; so each burst of events is followed by a few reads of
 * `data_version` (it changes only when another connection committed), the last one a second
 * after the burst. Bounded work per burst, nothing at all while nobody writes.
 */
const RECHECK_MS = [20, 250, 1000];

export function watchExternalCommits(file: string, dataVersion: () => number) {
  const subscribers = new Set<(notice: null) => void>();
  let watcher: fs.FSWatcher | null = null;
  let timers: NodeJS.Timeout[] = [];
  let last = 0;
  const names = new Set([path.basename(file), `${path.basename(file)}-wal`]);
  const check = () => {
    let version: number;
    try {
      version = dataVersion();
    } catch {
      return; // closed meanwhile
    }
    if (version === last) return;
    last = version;
    for (const s of subscribers) s(null);
  };
  const clear = () => {
    for (const t of timers) clearTimeout(t);
    timers = [];
  };
  return {
    subscribe(listener: (notice: null) => void): () => void {
      if (file === ':memory:') return () => {};
      if (!watcher) {
        last = dataVersion();
        watcher = fs.watch(path.dirname(path.resolve(file)), (_event, name) => {
          if (name && !names.has(String(name))) return;
          clear();
          timers = RECHECK_MS.map((ms) => {
            const t = setTimeout(check, ms);
            t.unref();
            return t;
          });
        });
        watcher.unref();
      }
      subscribers.add(listener);
      return () => subscribers.delete(listener);
    },
    close() {
      subscribers.clear();
      clear();
      watcher?.close();
      watcher = null;
    },
  };
}
