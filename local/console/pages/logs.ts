// CloudWatch Logs as the AWS console shows it: the log groups, and one group's streams and its events,
// searched with a filter pattern over a time range, 100 at a time.
import {
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, PageError, type PageRequest, requiredParam } from "../page.ts";
import { bytes, consoleHref, keyValues, link, resourceCrumbs, section, table, time } from "../ui.ts";

const EVENTS_PER_PAGE = 100;
const RANGES: Array<{ value: string; label: string; ms?: number }> = [
  { value: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { value: "1h", label: "Last hour", ms: 60 * 60_000 },
  { value: "1d", label: "Last day", ms: 24 * 60 * 60_000 },
  { value: "all", label: "All time" },
];

export async function logGroupsPage(request: PageRequest): Promise<ConsolePage> {
  const logs = request.clients(request.region).logs;
  const groups = await allPages(
    () => logs.send(new DescribeLogGroupsCommand({})),
    (nextToken) => logs.send(new DescribeLogGroupsCommand({ nextToken })),
    (page) => ({ items: page.logGroups, token: page.nextToken }),
  );
  return {
    title: "Log groups",
    breadcrumbs: [{ label: "CloudWatch Logs" }],
    body: table({
      caption: `Log groups (${groups.length}) in ${request.region}`,
      headers: ["Log group", "Retention", "Stored bytes", "Creation time"],
      rows: groups.map((group) => [
        link(
          consoleHref("logs/group", { name: group.logGroupName, region: request.region }),
          group.logGroupName,
        ),
        group.retentionInDays ? `${group.retentionInDays} days` : "Never expire",
        bytes(group.storedBytes),
        time(group.creationTime),
      ]),
      empty: `No log groups in ${request.region}.`,
    }),
  };
}

export async function logGroupPage(request: PageRequest): Promise<ConsolePage> {
  const logGroupName = requiredParam(request, "name");
  const logs = request.clients(request.region).logs;
  const filter = request.params.get("filter") ?? "";
  const stream = request.params.get("stream") ?? "";
  const range = RANGES.find((candidate) => candidate.value === request.params.get("since")) ?? RANGES[2]!;
  const cursor = request.params.get("cursor") ?? undefined;
  const [groups, streams, events] = await Promise.all([
    settle(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName, limit: 1 }))),
    settle(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName,
          orderBy: "LastEventTime",
          descending: true,
          limit: 50,
        }),
      ),
    ),
    settle(
      logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          limit: EVENTS_PER_PAGE,
          ...(filter ? { filterPattern: filter } : {}),
          ...(stream ? { logStreamNames: [stream] } : {}),
          ...(range.ms ? { startTime: Date.now() - range.ms } : {}),
          ...(cursor ? { nextToken: cursor } : {}),
        }),
      ),
    ),
  ]);
  const group = groups.ok
    ? groups.value.logGroups?.find((item) => item.logGroupName === logGroupName)
    : undefined;
  if (groups.ok && !group)
    throw new PageError(404, `The log group ${logGroupName} does not exist in ${request.region}.`);
  const here = (extra: Record<string, string | undefined>) =>
    consoleHref("logs/group", {
      name: logGroupName,
      region: request.region,
      ...(filter ? { filter } : {}),
      ...(stream ? { stream } : {}),
      since: range.value,
      ...extra,
    });

  const body = html`${section(
    "details",
    "Log group details",
    keyValues([
      ["Retention", group?.retentionInDays ? `${group.retentionInDays} days` : "Never expire"],
      ["Stored bytes", bytes(group?.storedBytes)],
      ["Creation time", time(group?.creationTime)],
      ["ARN", group?.arn],
    ]),
  )}
${section(
  "events",
  "Log events",
  html`<form class="filter" method="get" action="${consoleHref("logs/group")}">
<input type="hidden" name="name" value="${logGroupName}"><input type="hidden" name="region" value="${request.region}">
${stream ? html`<input type="hidden" name="stream" value="${stream}">` : ""}
<label for="filter">Filter events</label>
<input id="filter" name="filter" value="${filter}" placeholder='e.g. ERROR or "REPORT RequestId"' autocomplete="off">
<label for="since">Time range</label>
<select id="since" name="since">${RANGES.map(
    (option) =>
      html`<option value="${option.value}"${option === range ? html` selected` : ""}>${option.label}</option>`,
  )}</select>
<button type="submit">Search</button>
</form>
${stream ? html`<p>Only the stream <code>${stream}</code> · ${link(here({ stream: undefined }), "Search all streams")}</p>` : ""}
${shown(events, "log events", (value) => {
  const found = value.events ?? [];
  return html`${table({
    caption: `Events (${found.length}${value.nextToken ? "+" : ""}, oldest first)`,
    headers: ["Timestamp", "Message", ...(stream ? [] : ["Log stream"])],
    rows: found.map((event) => [
      time(event.timestamp),
      html`<pre class="log">${event.message}</pre>`,
      ...(stream ? [] : [html`<code>${event.logStreamName}</code>`]),
    ]),
    empty: filter ? "No events match the filter in this time range." : "No events in this time range.",
  })}<nav class="pager" aria-label="Event pages">${cursor ? link(here({}), "First page") : ""} ${
    value.nextToken ? link(here({ cursor: value.nextToken }), "Next page") : ""
  }</nav>`;
})}`,
)}
${section(
  "streams",
  "Log streams",
  shown(streams, "log streams", (value) =>
    table({
      caption: `Log streams (${value.logStreams?.length ?? 0}, latest first)`,
      headers: ["Log stream", "Last event time", "First event time"],
      rows: (value.logStreams ?? []).map((item) => [
        link(
          here({ stream: item.logStreamName, cursor: undefined }),
          html`<code>${item.logStreamName}</code>`,
        ),
        time(item.lastEventTimestamp),
        time(item.firstEventTimestamp),
      ]),
      empty: "No log streams.",
    }),
  ),
)}`;
  return {
    title: logGroupName,
    breadcrumbs: resourceCrumbs(
      { label: "CloudWatch Logs", page: "logs" },
      { label: "Log groups" },
      logGroupName,
      request.region,
    ),
    body,
  };
}
