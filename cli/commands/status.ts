// `s3size status`: who and where, then what exists and what is missing or drifted, by running setup's
// steps dry (they list what they would change instead of changing it), with the console links. Exits
// 3 when anything is missing or drifted, so scripts can tell a complete stack from a broken one.
import { EXIT } from "../errors.ts";
import { eventRuleName } from "../provision/event-rule.ts";
import { STEPS } from "../provision/steps.ts";
import { stackTrigger } from "../provision/trigger.ts";
import { trackedBucketsStatus, trackingLines } from "../tracked-status.ts";
import { printLinks } from "./setup.ts";
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
      output.line(
        document.upToDate ? "everything is set up" : "run s3size setup to create or repair what is missing",
      );
      printLinks(session);
    });
    return document.upToDate ? EXIT.ok : EXIT.notUpToDate;
  },
};
