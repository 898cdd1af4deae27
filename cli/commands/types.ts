// The shape every command file exports: the metadata its help text is generated from (its name and
// summary are in main.ts, which lists the commands without loading them) and one async function.
import type { Session } from "../session.ts";

export interface CommandSpec {
  /** e.g. "<function>" */
  argument?: { name: string; description: string };
  options?: Array<{ flags: string; description: string; default?: string }>;
  /** `local` manages no stack: it takes only its own options. */
  standalone?: boolean;
  /** Creates, changes or removes the stack's resources: holds the state dir's lock while it runs. */
  changesStack?: boolean;
  /** Resolves to the exit code (see EXIT in errors.ts). */
  run(session: Session, options: Record<string, unknown>, argument?: string): Promise<number>;
}
