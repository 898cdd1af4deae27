// One cloud per state dir: a lock file holding the owner's pid. A second start finds a live owner and
// refuses, instead of two processes writing the same LevelDB and JSON files; a dead owner's lock is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface StateLock {
  path: string;
  release(): void;
}

export class StateDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`the local cloud's state dir ${dataDir} is in use by process ${ownerPid}`);
    this.name = "StateDirInUseError";
  }
}

export function acquireStateLock(dataDir: string): StateLock {
  const path = join(dataDir, "lock");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (owner && isAlive(owner)) throw new StateDirInUseError(dataDir, owner);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the local cloud's state dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
