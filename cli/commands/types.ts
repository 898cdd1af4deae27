// The shape every command file exports: its help metadata and one async function (as Claudia.js does).
import type { Session } from "../session.ts";

export interface CommandSpec {
  name: string;
  summary: string;
  /** e.g. "<function>" */
  argument?: { name: string; description: string };
  options?: Array<{ flags: string; description: string; default?: string }>;
  /** `local` manages no stack: it takes only its own options. */
  standalone?: boolean;
  run(session: Session, options: Record<string, unknown>, argument?: string): Promise<number>;
}
