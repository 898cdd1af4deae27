// `s3size setup`: every resource in dependency order, each step get-or-create and recorded in
// state.json as it completes; a second run with nothing changed makes no mutating call.
import { isLoopback, mutatingCalls } from "../aws-clients.ts";
import { localConsoleUrl, stackDashboardUrl } from "../browser-links.ts";
import type { Trigger } from "../config.ts";
import { messagingLinks, stackLinks, trackingLinks } from "../console-links.ts";
import { eventRuleName } from "../provision/event-rule.ts";
import { preflight, STEPS } from "../provision/steps.ts";
import { stackTrigger } from "../provision/trigger.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./types.ts";

export interface SetupReport {
  account: string;
  region: string;
  /** Who and where, as `describeTarget` prints it. */
  target: string;
  endpoint?: string;
  changes: Record<string, string[]>;
  upToDate: boolean;
  invokeUrl?: string;
  /** The dashboard page (GET / of the API's stage). */
  dashboardUrl?: string;
  /** What invokes the tracker now. */
  trigger: Trigger;
}

export async function runSetup(session: Session): Promise<SetupReport> {
  const { output, settings } = session;
  const identity = await output.step(
    "account",
    () => session.account(),
    (id) => `${id.account} (${id.arn}), ${session.describeTarget()}`,
  );
  // Everything after GetCallerIdentity counts towards "nothing changed".
  const callsBefore = session.clients.calls.length;
  const state = session.loadState();
  state.account = identity.account;
  state.region = settings.region;
  state.endpoint = session.endpoint;
  state.names = await session.names();
  const dry = await session.provisionContext(state, true);
  await preflight(dry);
  // Zipping takes longest of all the steps' preparations: start it now, the functions step awaits it.
  dry.packageFunctions().catch(() => {});
  markCompleted(session, state, "account");
  const changes: Record<string, string[]> = {};
  for (const step of STEPS) {
    const ctx = await session.provisionContext(state, false);
    await output.step(
      step.label,
      async (update) => {
        ctx.progress = update;
        await step.ensure(ctx);
      },
      () => (ctx.changes.length > 0 ? countOf(ctx.changes.length, "change") : "up to date"),
    );
    for (const change of ctx.changes) output.line(`    ${change}`);
    for (const note of ctx.notes) output.line(`  note: ${note}`);
    changes[step.name] = ctx.changes;
    markCompleted(session, state, step.name);
  }
  const mutations = mutatingCalls(session.clients.calls.slice(callsBefore)).length;
  return {
    account: identity.account,
    region: settings.region,
    target: session.describeTarget(),
    ...(session.endpoint ? { endpoint: session.endpoint } : {}),
    changes,
    upToDate: mutations === 0,
    invokeUrl: state.invokeUrl,
    dashboardUrl: stackDashboardUrl(state, state.names.stage, session.endpoint),
    trigger: stackTrigger(settings, state),
  };
}

export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function markCompleted(session: Session, state: ReturnType<Session["loadState"]>, step: string): void {
  state.completed[step] = new Date().toISOString();
  session.store.save(state);
  session.io.afterStep?.(step);
}

export function printLinks(session: Session, apiId?: string): void {
  const { output, settings } = session;
  const state = session.loadState();
  if (!state.names) return;
  if (session.endpoint && session.cloudIsTemporary) {
    output.line(
      "the local cloud stops with this command; to look around with the AWS CLI, keep one running:",
    );
    output.line(
      `  s3size local --state-dir ${settings.stateDir}   (then --endpoint-url http://127.0.0.1:4566)`,
    );
    const endpoint = "http://127.0.0.1:4566";
    const dashboard = stackDashboardUrl(state, state.names.stage, endpoint);
    if (dashboard) output.line(`  and open the dashboard at ${dashboard}`);
    output.line(`  and the console at ${localConsoleUrl(endpoint)} (s3size console opens it)`);
    return;
  }
  const dashboard = stackDashboardUrl(state, state.names.stage, session.endpoint);
  if (dashboard) output.line(`dashboard: ${dashboard}`);
  if (session.endpoint && (settings.local || isLoopback(session.endpoint)))
    output.line(`console: ${localConsoleUrl(session.endpoint)} (the local cloud's, read-only)`);
  if (session.endpoint) {
    output.line(`local cloud at ${session.endpoint} (no AWS console): inspect it with the AWS CLI, e.g.`);
    output.line(`  aws --endpoint-url ${session.endpoint} s3 ls s3://${state.names.dataBucket}`);
    output.line(
      `  aws --endpoint-url ${session.endpoint} dynamodb query --table-name ${state.names.table} ...`,
    );
    if (stackTrigger(settings, state) === "eventbridge")
      output.line(
        `  aws --endpoint-url ${session.endpoint} events list-targets-by-rule --rule ${eventRuleName(state.names)}`,
      );
    return;
  }
  output.line("console links:");
  const tracking = { incremental: settings.tracking === "incremental", tracked: state.tracked ?? [] };
  const rule = stackTrigger(settings, state) === "eventbridge" ? eventRuleName(state.names) : undefined;
  for (const link of [
    ...stackLinks(state.names, settings.region, apiId ?? state.apiId, rule),
    ...trackingLinks(state.names, settings.region, tracking),
  ])
    output.line(`  ${link.what}: ${link.url}`);
  if (state.account && state.names.topic) {
    for (const link of messagingLinks(state.names, settings.region, state.account))
      output.line(`  ${link.what}: ${link.url}`);
  }
}

export const setupCommand: CommandSpec = {
  changesStack: true,
  options: [
    {
      flags: "--rebuild",
      description:
        "bundle and zip the functions again instead of using the zips found by the hash of their inputs",
    },
  ],
  async run(session) {
    const report = await runSetup(session);
    session.output.result(report, () => {
      session.output.line(report.upToDate ? "everything is up to date" : "setup complete");
      if (report.invokeUrl) session.output.line(`plot API: ${report.invokeUrl}`);
      printLinks(session);
    });
    return 0;
  },
};
