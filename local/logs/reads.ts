// CloudWatch Logs' reads: describing groups and streams, and reading events by stream or by filter,
// with the offset tokens and the retention the stores keep; and the lookups every operation shares.
import { compileFilterPattern } from "./filter-pattern.ts";
import type { LogsArns } from "./operations.ts";
import { type LogGroup, type LogStore, type LogStream, retained, type StoredEvent } from "./store.ts";

export type Input = Record<string, unknown>;

export class LogsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function findGroup(store: LogStore, name: unknown): LogGroup {
  const group = store.groups.get(String(name));
  if (!group) throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
  return group;
}

export function findStream(group: LogGroup, name: unknown): LogStream {
  const stream = group.streams.get(String(name));
  if (!stream) throw new LogsError("ResourceNotFoundException", "The specified log stream does not exist.");
  return stream;
}

function inTimeRange(events: StoredEvent[], input: Input): StoredEvent[] {
  const start = input.startTime as number | undefined;
  const end = input.endTime as number | undefined;
  if (start === undefined && end === undefined) return events;
  return events.filter(
    (event) =>
      (start === undefined || event.timestamp >= start) && (end === undefined || event.timestamp <= end),
  );
}

/** Offset-based paging; the token is opaque to clients. */
function paginate<T>(
  items: T[],
  token: unknown,
  limit: unknown,
  max: number,
): { page: T[]; nextToken?: string } {
  const start = token ? Number(Buffer.from(String(token), "base64url").toString()) || 0 : 0;
  const size = Math.min(Number(limit ?? max) || max, max);
  const page = items.slice(start, start + size);
  const next = start + size;
  return next < items.length
    ? { page, nextToken: Buffer.from(String(next)).toString("base64url") }
    : { page };
}

const lastEventTime = (stream: LogStream) => stream.events.at(-1)?.timestamp ?? 0;
const pad = (value: number) => String(value).padStart(56, "0");
export const sequenceToken = (stream: LogStream) => pad(stream.events.length);

export function describeGroups(input: Input, store: LogStore, arn: LogsArns) {
  const prefix = (input.logGroupNamePrefix as string | undefined) ?? "";
  const pattern = input.logGroupNamePattern as string | undefined;
  const names = [...store.groups.keys()]
    .filter((name) => name.startsWith(prefix) && (!pattern || name.includes(pattern)))
    .sort();
  const { page, nextToken } = paginate(names, input.nextToken, input.limit, 50);
  const logGroups = page.map((name) => {
    const group = store.groups.get(name)!;
    return {
      logGroupName: name,
      creationTime: group.creationTime,
      ...(group.retentionInDays ? { retentionInDays: group.retentionInDays } : {}),
      metricFilterCount: 0,
      arn: `${arn.group(name)}:*`,
      logGroupArn: arn.group(name),
      storedBytes: [...group.streams.values()].reduce((sum, stream) => sum + stream.storedBytes, 0),
      logGroupClass: "STANDARD",
    };
  });
  return { logGroups, ...(nextToken ? { nextToken } : {}) };
}

export function describeStreams(input: Input, store: LogStore, arn: LogsArns) {
  const group = findGroup(store, input.logGroupName);
  const prefix = (input.logStreamNamePrefix as string | undefined) ?? "";
  const byLastEvent = input.orderBy === "LastEventTime";
  if (byLastEvent && prefix) {
    throw new LogsError(
      "InvalidParameterException",
      "Cannot order by LastEventTime with a logStreamNamePrefix.",
    );
  }
  const streams = [...group.streams.values()].filter((stream) => stream.name.startsWith(prefix));
  streams.sort((a, b) =>
    byLastEvent ? lastEventTime(a) - lastEventTime(b) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  if (input.descending) streams.reverse();
  const { page, nextToken } = paginate(streams, input.nextToken, input.limit, 50);
  const logStreams = page.map((stream) => {
    const events = stream.events;
    return {
      logStreamName: stream.name,
      creationTime: stream.creationTime,
      ...(events.length > 0
        ? {
            firstEventTimestamp: events[0]!.timestamp,
            lastEventTimestamp: lastEventTime(stream),
            lastIngestionTime: events[events.length - 1]!.ingestionTime,
          }
        : {}),
      uploadSequenceToken: sequenceToken(stream),
      arn: `${arn.group(group.name)}:log-stream:${stream.name}`,
      storedBytes: stream.storedBytes,
    };
  });
  return { logStreams, ...(nextToken ? { nextToken } : {}) };
}

export function getEvents(input: Input, store: LogStore) {
  const group = findGroup(store, input.logGroupName);
  const stream = findStream(group, input.logStreamName);
  const events = inTimeRange(retained(group, stream.events), input);
  const limit = Math.min(Number(input.limit ?? 10_000), 10_000);
  const token = input.nextToken as string | undefined;
  let start: number;
  let end: number;
  if (token?.startsWith("f/")) {
    start = Number(token.slice(2));
    end = Math.min(events.length, start + limit);
  } else if (token?.startsWith("b/")) {
    end = Number(token.slice(2));
    start = Math.max(0, end - limit);
  } else if (token !== undefined) {
    throw new LogsError("InvalidParameterException", "The specified nextToken is invalid.");
  } else if (input.startFromHead) {
    start = 0;
    end = Math.min(events.length, limit);
  } else {
    end = events.length;
    start = Math.max(0, end - limit);
  }
  return {
    events: events
      .slice(start, end)
      .map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
    nextForwardToken: `f/${pad(end)}`,
    nextBackwardToken: `b/${pad(start)}`,
  };
}

export function filterEvents(input: Input, store: LogStore) {
  const group = findGroup(store, input.logGroupName);
  const names = input.logStreamNames as string[] | undefined;
  const prefix = (input.logStreamNamePrefix as string | undefined) ?? "";
  const matches = compileFilterPattern(input.filterPattern as string | undefined);
  const found: Array<StoredEvent & { logStreamName: string; eventId: string }> = [];
  for (const stream of group.streams.values()) {
    if (names ? !names.includes(stream.name) : !stream.name.startsWith(prefix)) continue;
    const idPrefix = stream.file.slice(0, 12);
    // An event's id is its place in its stream, so the same event keeps its id whatever the filter.
    const position = new Map(stream.events.map((event, index) => [event, index]));
    for (const event of inTimeRange(retained(group, stream.events), input)) {
      if (matches(event.message)) {
        const eventId = `${idPrefix}${pad(position.get(event)!)}`;
        found.push({ ...event, logStreamName: stream.name, eventId });
      }
    }
  }
  found.sort((a, b) => a.timestamp - b.timestamp);
  const { page, nextToken } = paginate(found, input.nextToken, input.limit, 10_000);
  return {
    events: page.map(({ logStreamName, timestamp, message, ingestionTime, eventId }) => ({
      logStreamName,
      timestamp,
      message,
      ingestionTime,
      eventId,
    })),
    searchedLogStreams: [],
    ...(nextToken ? { nextToken } : {}),
  };
}
