// `s3size status`: who and where, then what exists and what is missing or drifted, by running setup's
// steps dry (they list what they would change instead of changing it), with the console links. Exits
// 3 when anything is missing or drifted, so scripts can tell a complete stack from a broken one.
import { stackDashboardUrl } from "../browser-links.ts";
import { EXIT } from "../errors.ts";
import { alarmState } from "../provision/alarm.ts";
import { eventRuleName } from "../provision/event-rule.ts";
import { failureQueueDepth } from "../provision/failure-queue.ts";
import { STEPS } from "../provision/steps.ts";
import { emailSubscriptionState } from "../provision/topic.ts";
import { stackTrigger } from "../provision/trigger.ts";
import { trackedBucketsStatus, trackingLines } from "../tracked-status.ts";
import { countOf, printLinks } from "./setup.ts";
import type { CommandSpec } from "./types.ts";

export const statusCommand: CommandSpec = {
  async run(session) {
    const { output } = session;
    const identity = await session.account();
    const state = session.loadState();
    const steps: Array<{ name: string; upToDate: boolean; missingOrDrifted: string[] }> = [];
    for (const step of STEPS) {
      const ctx = await session.provisionContext(structuredClone(state), true);
      await step.ensure(ctx);
      steps.push({ name: step.name, upToDate: ctx.changes.length === 0, missingOrDrifted: ctx.changes });
    }
    const watch = await session.provisionContext(structuredClone(state), true);
    const alarm = await alarmState(watch);
    const email = await emailSubscriptionState(watch);
    const failures = await failureQueueDepth(session.clients.sqs, watch.names.failureQueue);
    const document = {
      account: identity.account,
      arn: identity.arn,
      region: session.settings.region,
      regionSource: session.settings.regionSource,
      profile: session.settings.profile,
      endpoint: session.endpoint,
      names: await session.names(),
      upToDate: steps.every((step) => step.upToDate),
      steps,
      invokeUrl: state.invokeUrl,
      tracking: await trackedBucketsStatus(session, state),
      alarm,
      emailSubscription: email ?? null,
      failedEvents: failures ?? null,
      dashboardUrl: stackDashboardUrl(state, session.settings.stage, session.endpoint),
      trigger: stackTrigger(session.settings, state),
    };
    output.result(document, () => {
      output.line(
        `account ${identity.account} (${identity.arn}), ${session.describeTarget()}, stack ${session.settings.stack}`,
      );
      for (const line of trackingLines(document.tracking, document.names.dataBucket)) output.line(line);
      output.line(
        document.trigger === "eventbridge"
          ? `trigger: eventbridge (rule ${eventRuleName(document.names)} on the default bus)`
          : "trigger: notification (each tracked bucket's S3 notifications)",
      );
      for (const step of steps) {
        output.line(
          `${step.upToDate ? "✔" : "✖"} ${step.name}${step.upToDate ? "" : `: setup would ${step.missingOrDrifted.join("; ")}`}`,
        );
      }
      output.line(`alarm ${alarm.name}: ${alarm.state}${alarm.reason ? ` (${alarm.reason})` : ""}`);
      if (failures)
        output.line(
          `${countOf(failures, "failed tracker event")} in ${watch.names.failureQueue} (s3size failures)`,
        );
      if (email)
        output.line(`email ${email.address}: ${emailStateText(email.state, Boolean(session.endpoint))}`);
      output.line(
        document.upToDate ? "everything is set up" : "run s3size setup to create or repair what is missing",
      );
      printLinks(session);
    });
    return document.upToDate ? EXIT.ok : EXIT.notUpToDate;
  },
};

function emailStateText(state: "pending" | "confirmed" | "missing", local: boolean): string {
  if (state === "pending") {
    return `pending confirmation (${local ? "s3size notifications shows the link" : "click the link in the email AWS sent"})`;
  }
  if (state === "missing") return "not subscribed (setup subscribes it)";
  return "confirmed";
}
