// Group 4, provisioning: a first `setup`, an unchanged second `setup` and `teardown` on the local
// cloud, through the CLI's own command functions, counting every AWS call its client factory records.
import { Writable } from "node:stream";
import { mutatingCalls } from "../../cli/aws-clients.ts";
import { runSetup } from "../../cli/commands/setup.ts";
import { runTeardown } from "../../cli/commands/teardown.ts";
import type { StackNames } from "../../cli/config.ts";
import { Output } from "../../cli/output.ts";
import { Session } from "../../cli/session.ts";
import { check, type Summary, summarize, timed } from "../stats.ts";

export interface ProvisioningFigure {
  step: "first setup" | "second setup" | "teardown";
  ms: Summary;
  calls: number;
  mutating: number;
  reads: number;
}

export interface Stack {
  endpoint: string;
  stateDir: string;
}

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/** One CLI command, as `s3size <command> --endpoint-url <local cloud> --state-dir <dir> --yes --json` runs it. */
async function withSession<T>(stack: Stack, command: string, action: (session: Session) => Promise<T>) {
  const streams = { stdout: discard(), stderr: discard() };
  const session = await Session.open(
    { endpointUrl: stack.endpoint, stateDir: stack.stateDir, yes: true, json: true },
    { ...streams, env: {}, cwd: stack.stateDir, stdinIsTTY: false },
    new Output(streams, { json: true, verbose: false }),
    { command, changesStack: true },
  );
  try {
    const run = await timed(() => action(session));
    const calls = session.clients.calls;
    const mutating = mutatingCalls(calls).length;
    return { ms: run.ms, value: run.value, calls: calls.length, mutating, reads: calls.length - mutating };
  } finally {
    await session.close();
  }
}

export async function setupStack(stack: Stack) {
  const first = await withSession(stack, "setup", async (session) => {
    const report = await runSetup(session);
    return { report, names: session.loadState().names as StackNames };
  });
  check(!first.value.report.upToDate && first.mutating > 0, "a first setup made no change");
  return first;
}

export async function secondSetup(stack: Stack) {
  const second = await withSession(stack, "setup", (session) => runSetup(session));
  check(
    second.value.upToDate && second.mutating === 0,
    `an unchanged second setup made ${second.mutating} mutating calls`,
  );
  return second;
}

export async function teardownStack(stack: Stack) {
  const teardown = await withSession(stack, "teardown", (session) => runTeardown(session, true));
  check(teardown.value.removed.length > 0, "teardown removed nothing");
  return teardown;
}

type Measured = { ms: number; calls: number; mutating: number; reads: number };

/** Turns per-cycle measurements into figures: time as median and spread, call counts as the median. */
export function provisioningFigures(
  cycles: Record<ProvisioningFigure["step"], Measured[]>,
): ProvisioningFigure[] {
  return (Object.keys(cycles) as ProvisioningFigure["step"][]).map((step) => {
    const runs = cycles[step];
    const median = (pick: (m: Measured) => number) => summarize(runs.map(pick)).median;
    return {
      step,
      ms: summarize(runs.map((r) => r.ms)),
      calls: median((r) => r.calls),
      mutating: median((r) => r.mutating),
      reads: median((r) => r.reads),
    };
  });
}
