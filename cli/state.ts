// `<state-dir>/state.json`: what setup has completed and the facts later commands need (account, names,
// API id, invoke URL). Written after every step, so a crash part-way leaves an accurate record. Any
// trouble with the folder or the file is one line naming the path and the way out.
import { existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { JsonFile, LocalStateError } from "../local/state.ts";
import type { StackNames, Trigger } from "./config.ts";
import { UserError } from "./errors.ts";

export interface StackState {
  version: 1;
  stack: string;
  region: string;
  endpoint?: string;
  account?: string;
  names?: StackNames;
  /** Step name → ISO time it last completed. */
  completed: Record<string, string>;
  /** Buckets and tables this stack created (so a crash between create and tag still counts as ours). */
  created: string[];
  apiId?: string;
  invokeUrl?: string;
  /** Buckets `s3size track` attached the tracker to (besides the data bucket), in the order tracked. */
  tracked?: string[];
  /** Set before changing the API's methods, cleared after the stage points at a new deployment. */
  apiNeedsDeployment?: boolean;
  /** The address `--notify-email` subscribed to the topic, kept until another (or "") is given. */
  notifyEmail?: string;
  /** What invokes the tracker, as the last setup left it (a command without --trigger keeps it). */
  trigger?: Trigger;
  /** Buckets whose EventBridge delivery s3size switched on (and so may switch off again). */
  eventBridgeEnabled?: string[];
  updatedAt?: string;
}

const REBUILD_HINT =
  "delete it and run s3size setup: setup finds the stack's resources again by name and tag and rewrites it";

export class StateStore {
  private readonly file: JsonFile<unknown>;

  constructor(readonly dir: string) {
    this.file = new JsonFile(join(dir, "state.json"), () => undefined);
  }

  get path(): string {
    return this.file.path;
  }

  load(): StackState | undefined {
    let value: unknown;
    try {
      value = this.file.load();
    } catch (error) {
      // JsonFile names the file in a LocalStateError; this file's own words and hint are the CLI's.
      const cause = error instanceof LocalStateError ? error.cause : error;
      if (cause instanceof SyntaxError) {
        throw new UserError(`${this.path} is not valid JSON (${cause.message})`, REBUILD_HINT, {
          cause,
        });
      }
      throw fileError("read", this.path, cause);
    }
    if (value === undefined) return undefined;
    const state = value as Partial<StackState>;
    if (
      state?.version !== 1 ||
      typeof state.stack !== "string" ||
      typeof state.completed !== "object" ||
      !Array.isArray(state.created)
    ) {
      throw new UserError(`${this.path} is not an s3size state file (version 1)`, REBUILD_HINT);
    }
    return state as StackState;
  }

  save(state: StackState): void {
    state.updatedAt = new Date().toISOString();
    try {
      this.file.save(state);
    } catch (error) {
      throw fileError("write", this.path, error);
    }
  }

  exists(): boolean {
    return existsSync(this.file.path);
  }

  remove(): void {
    rmSync(this.file.path, { force: true });
  }

  /**
   * Fails at once, with one line, when the folder cannot be created or written (a typo, /proc, a
   * read-only disk), instead of after the first resources exist or, worse, hanging on it.
   */
  ensureWritable(): void {
    const probe = join(this.dir, `.write-test-${process.pid}`);
    try {
      makeFolders(this.dir);
      writeFileSync(probe, "");
      unlinkSync(probe);
    } catch (error) {
      throw new UserError(
        `cannot use ${this.dir} as the state dir: ${reason(error)}`,
        "choose a folder you can write to with --state-dir (or S3SIZE_STATE_DIR)",
        { cause: error },
      );
    }
  }
}

/** Writes a file the user named (--out): a failure names the file and says what to do. */
export async function writeOutputFile(path: string, data: Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (error) {
    throw new UserError(
      `cannot write ${path}: ${reason(error)}`,
      "choose another file with --out, in a folder that exists and you can write to",
      { cause: error },
    );
  }
}

/**
 * `mkdir -p` one folder at a time. Node's own recursive mkdir never returns on some paths: under /proc
 * the kernel answers ENOENT for a parent that exists, and it retries that parent for ever.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let path = resolve(dir); !existsSync(path); path = dirname(path)) {
    missing.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing) mkdirSync(path);
}

function fileError(action: "read" | "write", path: string, error: unknown): UserError {
  return new UserError(
    `cannot ${action} ${path}: ${reason(error)}`,
    "check the file's permissions and the disk, or use another --state-dir",
    { cause: error },
  );
}

/** `EACCES: permission denied, open '/x'` → `permission denied (EACCES)`. */
export function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const text = String(message ?? error)
    .replace(/^\w+: /, "")
    .replace(/, \w+ '.*'$/, "");
  return code ? `${text} (${code})` : text;
}

export function emptyState(stack: string, region: string, endpoint?: string): StackState {
  return { version: 1, stack, region, ...(endpoint ? { endpoint } : {}), completed: {}, created: [] };
}
