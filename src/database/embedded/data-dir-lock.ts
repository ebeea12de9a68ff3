import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';

/**
 * The embedded database serves one process: two PGlite instances on one
 * folder would each keep their own copy in memory, and one's writes would be
 * lost. A lock file beside the folder names the process using it; the service
 * and the command-line tools take it before they open the database, and a
 * second one refuses with a line that says who holds it. A lock whose process
 * is gone (killed) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    const path = `${dataDir.replace(/\/+$/, '')}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (isRunning(holder)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${holder} (a running service?): stop it first, or use DATABASE_URL. If no such process runs, remove ${path}`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new Error(`Could not lock the embedded database in ${dataDir} (${path})`);
  }

  release(): void {
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(process.pid)) rmSync(this.path, { force: true });
    } catch {
      // Already gone.
    }
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
