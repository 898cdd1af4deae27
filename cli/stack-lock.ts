// One command at a time changes a stack: setup, demo and teardown hold `<state-dir>/stack.lock` (the
// holder's pid, command and start time) while they run. A second one waits a little, then refuses and
// names the holder, instead of both creating the same resources and failing on each other's conflicts.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { isAlive } from "../local/lock.ts";
import { UserError } from "./errors.ts";
import { sleep } from "./retry.ts";

export interface LockHolder {
  pid: number;
  command: string;
  startedAt: string;
  host: string;
}

export interface LockOptions {
  /** How long to wait for the holder to finish before refusing. */
  waitMs: number;
  /** Called once when the lock is held by someone else and waiting starts. */
  onWait?: (holder: LockHolder) => void;
}

export const DEFAULT_LOCK_WAIT_MS = 10_000;
const POLL_MS = 100;

/** Takes the lock (waiting up to `waitMs`); resolves to its release. */
export async function lockStack(dir: string, command: string, options: LockOptions): Promise<() => void> {
  const path = join(dir, "stack.lock");
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  for (;;) {
    const holder = tryTake(path, command);
    if (!holder) return () => releaseIfOurs(path);
    if (Date.now() >= deadline) {
      const seconds = Math.round((Date.now() - Date.parse(holder.startedAt)) / 1000);
      throw new UserError(
        `another s3size ${holder.command} (pid ${holder.pid}, started ${seconds} s ago) is changing the stack in ${dir}`,
        `wait for it to finish and run this again; if that process is gone or stuck, stop it (kill ${holder.pid})`,
      );
    }
    if (!announced) options.onWait?.(holder);
    announced = true;
    await sleep(POLL_MS);
  }
}

/** Undefined when taken; otherwise the live holder. A dead holder's lock (a crash) is taken over. */
function tryTake(path: string, command: string): LockHolder | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written whole to a file of our own, then linked into place: link fails if the lock exists, and
    // nobody ever reads a lock file half-written.
    const mine = `${path}.${process.pid}`;
    const me: LockHolder = {
      pid: process.pid,
      command,
      startedAt: new Date().toISOString(),
      host: hostname(),
    };
    writeFileSync(mine, JSON.stringify(me));
    try {
      linkSync(mine, path);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(mine, { force: true });
    }
    const holder = readHolder(path);
    if (holder && (holder.host !== hostname() || isAlive(holder.pid))) return holder;
    rmSync(path, { force: true });
  }
  return readHolder(path);
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    return undefined; // already released, or damaged: either way nobody holds it
  }
}

function releaseIfOurs(path: string): void {
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}
