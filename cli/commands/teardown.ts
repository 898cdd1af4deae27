// `s3size teardown`: the setup steps backwards, buckets emptied first; asks first unless --yes;
// a missing piece is not an error, and a bucket or table without the stack's tag is left alone.
import { createInterface } from "node:readline/promises";
import { UserError } from "../errors.ts";
import { STEPS } from "../provision/steps.ts";
import type { Session } from "../session.ts";
import { countOf } from "./setup.ts";
import type { CommandSpec } from "./types.ts";

export async function runTeardown(
  session: Session,
  confirmed: boolean,
): Promise<{ removed: string[]; left: string[] }> {
  const { output } = session;
  const state = session.loadState();
  const steps = [...STEPS].reverse();
  const planned: string[] = [];
  const spared: string[] = [];
  for (const step of steps) {
    const ctx = await session.provisionContext(structuredClone(state), true);
    await step.destroy(ctx);
    planned.push(...ctx.changes);
    spared.push(...ctx.notes);
  }
  if (planned.length > 0 && !confirmed) {
    const leaves = spared.length > 0 ? `and leave:\n${spared.map((p) => `  - ${p}`).join("\n")}\n` : "";
    const question = `teardown will:\n${planned.map((p) => `  - ${p}`).join("\n")}\n${leaves}proceed? [y/N] `;
    if (!session.io.stdinIsTTY) {
      throw new UserError(
        `teardown would remove ${planned.length} resources and cannot ask for confirmation`,
        "run it again with --yes",
      );
    }
    const ask = session.io.confirm ?? askOnTerminal;
    if (!(await ask(question)))
      throw new UserError("teardown cancelled; nothing was removed", "answer y, or pass --yes");
  }
  const removed: string[] = [];
  const left: string[] = [];
  for (const step of steps) {
    const ctx = await session.provisionContext(state, false);
    await output.step(
      `remove ${step.label}`,
      async (update) => {
        ctx.progress = update;
        await step.destroy(ctx);
      },
      () => (ctx.changes.length > 0 ? countOf(ctx.changes.length, "removal") : "nothing there"),
    );
    for (const change of ctx.changes) output.line(`    ${change}`);
    removed.push(...ctx.changes);
    left.push(...ctx.notes);
    for (const note of ctx.notes) output.line(`  note: ${note}`);
    delete state.completed[step.name];
    if (session.store.exists()) session.store.save(state);
  }
  session.store.remove();
  return { removed, left };
}

/** Asks a yes/no question on the terminal (stderr, so --json output stays clean). */
export async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

export const teardownCommand: CommandSpec = {
  changesStack: true,
  async run(session) {
    const report = await runTeardown(session, Boolean(session.options.yes));
    session.output.result(report, () => {
      session.output.line(
        report.removed.length > 0 ? `removed ${report.removed.length} resources` : "nothing to remove",
      );
      if (report.left.length > 0)
        session.output.line(`left ${report.left.length} that are not the stack's own (see the notes above)`);
    });
    return 0;
  },
};
