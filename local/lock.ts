// One cloud per state dir: a lock file holding the owner's pid. A second start finds a live owner and
// refuses, instead of two processes writing the same LevelDB and JSON files; a dead owner's lock is taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalStateError } from "./state.ts";

export interface StateLock {
  path: string;
  release(): void;
}

export class StateDirInUseError extends Error {
  readonly hint = "stop that s3size local first, or give this command another --state-dir";

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
  // The pid is written to a file of our own and linked into place: the lock never exists without its
  // pid, so a second start can never read it half-written and take it for a dead owner's.
  const staged = `${path}.${process.pid}.tmp`;
  writeFileSync(staged, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(staged, path);
        return releasable(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = readOwner(path);
        if (owner !== undefined && isAlive(owner)) throw new StateDirInUseError(dataDir, owner);
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(staged, { force: true });
  }
  throw new Error(`could not lock the local cloud's state dir ${dataDir}`);
}

function releasable(path: string): StateLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
    },
  };
}

/** The pid in an existing lock file; undefined when the file vanished meanwhile. */
function readOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new LocalStateError(
      path,
      `the local cloud cannot read its lock file ${path} (${code ?? (error as Error).message})`,
      `if no s3size local is running for this state dir, remove it (rm -r '${path}')`,
      { cause: error },
    );
  }
  const owner = Number(text.trim());
  if (!Number.isSafeInteger(owner) || owner <= 0) {
    throw new LocalStateError(
      path,
      `the local cloud's lock file ${path} does not hold a process id`,
      `if no s3size local is running for this state dir, remove it (rm '${path}')`,
    );
  }
  return owner;
}

/** Whether a process of this machine lives (EPERM: it does, as another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
