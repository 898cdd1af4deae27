// `<state-dir>/state.json`: what setup has completed and the facts later commands need (account, names,
// API id, invoke URL). Written after every step, so a crash part-way leaves an accurate record.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonFile } from "../local/state.ts";
import type { StackNames } from "./config.ts";

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
  /** Set before changing the API's methods, cleared after the stage points at a new deployment. */
  apiNeedsDeployment?: boolean;
  updatedAt?: string;
}

export class StateStore {
  private readonly file: JsonFile<StackState | undefined>;

  constructor(readonly dir: string) {
    this.file = new JsonFile(join(dir, "state.json"), () => undefined);
  }

  get path(): string {
    return this.file.path;
  }

  load(): StackState | undefined {
    return this.file.load();
  }

  save(state: StackState): void {
    state.updatedAt = new Date().toISOString();
    this.file.save(state);
  }

  exists(): boolean {
    return existsSync(this.file.path);
  }

  remove(): void {
    rmSync(this.file.path, { force: true });
  }
}

export function emptyState(stack: string, region: string, endpoint?: string): StackState {
  return { version: 1, stack, region, ...(endpoint ? { endpoint } : {}), completed: {}, created: [] };
}
