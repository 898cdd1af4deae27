// CloudWatch as the AWS console shows it: the alarms with their state, the metrics with their sum over the
// last hour, and one alarm's configuration, actions and history.
import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  type Metric,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, PageError, type PageRequest, requiredParam } from "../page.ts";
import { consoleHref, keyValues, link, resourceCrumbs, section, status, table, time } from "../ui.ts";
import { arnLink } from "./arn-links.ts";

const METRICS_WITH_VALUES = 100;
const HOUR_MS = 60 * 60 * 1000;

export function alarmState(state: string | undefined) {
  const label = state === "INSUFFICIENT_DATA" ? "Insufficient data" : state === "ALARM" ? "In alarm" : state;
  return status(label, state === "OK" ? "good" : state === "ALARM" ? "bad" : "neutral");
}

function dimensionsText(dimensions: Metric["Dimensions"]): string {
  return (dimensions ?? []).map((dimension) => `${dimension.Name}=${dimension.Value}`).join(", ");
}

function condition(alarm: MetricAlarm): string {
  const operators: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
  };
  const operator = operators[alarm.ComparisonOperator ?? ""] ?? alarm.ComparisonOperator;
  return `${alarm.MetricName ?? "expression"} ${operator} ${alarm.Threshold} for ${alarm.EvaluationPeriods} datapoint(s) within ${
    (alarm.Period ?? 0) * (alarm.EvaluationPeriods ?? 1)
  } seconds`;
}

export async function cloudWatchPage(request: PageRequest): Promise<ConsolePage> {
  const cloudwatch = request.clients(request.region).cloudwatch;
  const [alarms, metrics] = await Promise.all([
    settle(
      allPages(
        () => cloudwatch.send(new DescribeAlarmsCommand({})),
        (NextToken) => cloudwatch.send(new DescribeAlarmsCommand({ NextToken })),
        (page) => ({ items: page.MetricAlarms, token: page.NextToken }),
      ),
    ),
    settle(
      allPages(
        () => cloudwatch.send(new ListMetricsCommand({})),
        (NextToken) => cloudwatch.send(new ListMetricsCommand({ NextToken })),
        (page) => ({ items: page.Metrics, token: page.NextToken }),
      ),
    ),
  ]);
  const listed = metrics.ok
    ? [...metrics.value]
        .sort((a, b) =>
          `${a.Namespace} ${a.MetricName} ${dimensionsText(a.Dimensions)}`.localeCompare(
            `${b.Namespace} ${b.MetricName} ${dimensionsText(b.Dimensions)}`,
          ),
        )
        .slice(0, METRICS_WITH_VALUES)
    : [];
  const now = Date.now();
  const sums =
    listed.length > 0
      ? await settle(
          cloudwatch.send(
            new GetMetricDataCommand({
              StartTime: new Date(now - HOUR_MS),
              EndTime: new Date(now),
              MetricDataQueries: listed.map((metric, index) => ({
                Id: `m${index}`,
                MetricStat: { Metric: metric, Period: 3600, Stat: "Sum" },
              })),
            }),
          ),
        )
      : undefined;
  const sumOf = (index: number) => {
    if (!sums?.ok) return "";
    const values = sums.value.MetricDataResults?.find((result) => result.Id === `m${index}`)?.Values ?? [];
    return values.length > 0 ? String(values.reduce((total, value) => total + value, 0)) : "0";
  };

  const body = html`${section(
    "alarms",
    "Alarms",
    shown(alarms, "alarms", (items) =>
      table({
        caption: `Alarms (${items.length})`,
        headers: ["Name", "State", "Last state update", "Conditions", "Actions"],
        rows: items.map((alarm) => [
          link(
            consoleHref("cloudwatch/alarm", { name: alarm.AlarmName, region: request.region }),
            alarm.AlarmName,
          ),
          alarmState(alarm.StateValue),
          time(alarm.StateUpdatedTimestamp),
          condition(alarm),
          alarm.ActionsEnabled === false ? "Actions disabled" : "Actions enabled",
        ]),
        empty: `No alarms in ${request.region}.`,
      }),
    ),
  )}
${section(
  "metrics",
  "Metrics",
  shown(metrics, "metrics", (items) =>
    table({
      caption: `Metrics (${items.length}${items.length > listed.length ? `, first ${listed.length} shown` : ""}), sum over the last hour`,
      headers: ["Namespace", "Metric name", "Dimensions", "Sum (last hour)"],
      rows: listed.map((metric, index) => [
        metric.Namespace,
        metric.MetricName,
        dimensionsText(metric.Dimensions),
        sumOf(index),
      ]),
      empty: `No metrics in ${request.region}.`,
    }),
  ),
)}`;
  return { title: "CloudWatch", breadcrumbs: [{ label: "CloudWatch" }], body };
}

export async function alarmPage(request: PageRequest): Promise<ConsolePage> {
  const AlarmName = requiredParam(request, "name");
  const cloudwatch = request.clients(request.region).cloudwatch;
  const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [AlarmName] }));
  const alarm = MetricAlarms[0];
  if (!alarm) throw new PageError(404, `The alarm ${AlarmName} does not exist in ${request.region}.`);
  const history = await settle(
    cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName, MaxRecords: 50 })),
  );
  const actions = [
    ...(alarm.AlarmActions ?? []).map((arn) => ["In alarm", arn] as const),
    ...(alarm.OKActions ?? []).map((arn) => ["OK", arn] as const),
    ...(alarm.InsufficientDataActions ?? []).map((arn) => ["Insufficient data", arn] as const),
  ];
  const body = html`${section(
    "details",
    "Details",
    keyValues([
      ["Name", alarm.AlarmName],
      ["State", alarmState(alarm.StateValue)],
      ["State reason", alarm.StateReason],
      ["Last state update", time(alarm.StateUpdatedTimestamp)],
      ["Namespace", alarm.Namespace],
      ["Metric name", alarm.MetricName],
      ["Dimensions", dimensionsText(alarm.Dimensions)],
      ["Statistic", alarm.Statistic ?? alarm.ExtendedStatistic],
      ["Period", alarm.Period === undefined ? undefined : `${alarm.Period} seconds`],
      ["Threshold", condition(alarm)],
      ["Missing data treatment", alarm.TreatMissingData ?? "missing"],
      ["ARN", alarm.AlarmArn],
    ]),
  )}
${section(
  "actions",
  "Actions",
  table({
    caption: `Actions (${actions.length})`,
    headers: ["When the alarm state is", "Action"],
    rows: actions.map(([state, arn]) => [state, arnLink(arn, request.region)]),
    empty: "No actions.",
  }),
)}
${section(
  "history",
  "History",
  shown(history, "history", (value) =>
    table({
      caption: `History (${value.AlarmHistoryItems?.length ?? 0}, newest first)`,
      headers: ["Date", "Type", "Description"],
      rows: (value.AlarmHistoryItems ?? []).map((item) => [
        time(item.Timestamp),
        item.HistoryItemType,
        item.HistorySummary,
      ]),
      empty: "No history yet.",
    }),
  ),
)}`;
  return {
    title: AlarmName,
    breadcrumbs: resourceCrumbs(
      { label: "CloudWatch", page: "cloudwatch" },
      { label: "Alarms" },
      AlarmName,
      request.region,
    ),
    body,
  };
}
