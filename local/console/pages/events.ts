// EventBridge as the AWS console shows it: the event buses and one bus's rules, and one rule's event
// pattern or schedule and its targets.
import {
  DescribeRuleCommand,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import { consoleHref, jsonBlock, keyValues, link, resourceCrumbs, section, status, table } from "../ui.ts";
import { arnLink } from "./arn-links.ts";

function ruleState(state: string | undefined) {
  return status(
    state === "ENABLED" ? "Enabled" : state === "DISABLED" ? "Disabled" : state,
    state === "ENABLED" ? "good" : "neutral",
  );
}

export async function eventsPage(request: PageRequest): Promise<ConsolePage> {
  const events = request.clients(request.region).events;
  const bus = request.params.get("bus") || "default";
  const [buses, rules] = await Promise.all([
    settle(
      allPages(
        () => events.send(new ListEventBusesCommand({})),
        (NextToken) => events.send(new ListEventBusesCommand({ NextToken })),
        (page) => ({ items: page.EventBuses, token: page.NextToken }),
      ),
    ),
    settle(
      allPages(
        () => events.send(new ListRulesCommand({ EventBusName: bus })),
        (NextToken) => events.send(new ListRulesCommand({ EventBusName: bus, NextToken })),
        (page) => ({ items: page.Rules, token: page.NextToken }),
      ),
    ),
  ]);
  const body = html`${section(
    "buses",
    "Event buses",
    shown(buses, "event buses", (items) =>
      table({
        caption: `Event buses (${items.length})`,
        headers: ["Name", "ARN"],
        rows: items.map((item) => [
          link(consoleHref("events", { bus: item.Name, region: request.region }), item.Name),
          item.Arn,
        ]),
        empty: "No event buses.",
      }),
    ),
  )}
${section(
  "rules",
  `Rules on the bus ${bus}`,
  shown(rules, "rules", (items) =>
    table({
      caption: `Rules (${items.length})`,
      headers: ["Name", "Status", "Type", "Description"],
      rows: items.map((rule) => [
        link(consoleHref("events/rule", { name: rule.Name, bus, region: request.region }), rule.Name),
        ruleState(rule.State),
        rule.ScheduleExpression ? "Scheduled" : "Standard",
        rule.Description,
      ]),
      empty: "No rules on this bus.",
    }),
  ),
)}`;
  return { title: "Amazon EventBridge", breadcrumbs: [{ label: "Amazon EventBridge" }], body };
}

export async function rulePage(request: PageRequest): Promise<ConsolePage> {
  const Name = requiredParam(request, "name");
  const EventBusName = request.params.get("bus") || "default";
  const events = request.clients(request.region).events;
  const rule = await events.send(new DescribeRuleCommand({ Name, EventBusName }));
  const targets = await settle(
    allPages(
      () => events.send(new ListTargetsByRuleCommand({ Rule: Name, EventBusName })),
      (NextToken) => events.send(new ListTargetsByRuleCommand({ Rule: Name, EventBusName, NextToken })),
      (page) => ({ items: page.Targets, token: page.NextToken }),
    ),
  );
  const body = html`${section(
    "details",
    "Rule details",
    keyValues([
      ["Rule name", rule.Name],
      ["Status", ruleState(rule.State)],
      ["Event bus name", rule.EventBusName ?? EventBusName],
      ["Type", rule.ScheduleExpression ? "Scheduled" : "Standard"],
      ["Description", rule.Description],
      ["Rule ARN", rule.Arn],
      ["Execution role", arnLink(rule.RoleArn, request.region)],
    ]),
  )}
${section(
  "pattern",
  rule.ScheduleExpression ? "Schedule" : "Event pattern",
  rule.ScheduleExpression
    ? html`<p><code>${rule.ScheduleExpression}</code></p>`
    : rule.EventPattern
      ? jsonBlock(rule.EventPattern, "Event pattern")
      : html`<p class="empty">No event pattern.</p>`,
)}
${section(
  "targets",
  "Targets",
  shown(targets, "targets", (items) =>
    table({
      caption: `Targets (${items.length})`,
      headers: ["Target ID", "Target", "Input", "Dead-letter queue", "Retry policy"],
      rows: items.map((target) => [
        target.Id,
        arnLink(target.Arn, request.region),
        target.Input
          ? html`<code>${target.Input}</code>`
          : target.InputPath
            ? html`<code>${target.InputPath}</code>`
            : "Matched event",
        arnLink(target.DeadLetterConfig?.Arn, request.region),
        target.RetryPolicy
          ? `${target.RetryPolicy.MaximumRetryAttempts ?? 185} attempts, ${target.RetryPolicy.MaximumEventAgeInSeconds ?? 86400} s`
          : "",
      ]),
      empty: "No targets.",
    }),
  ),
)}`;
  return {
    title: Name,
    breadcrumbs: resourceCrumbs(
      { label: "Amazon EventBridge", page: "events" },
      { label: "Rules", params: { bus: EventBusName } },
      Name,
      request.region,
    ),
    body,
  };
}
