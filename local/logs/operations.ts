// CloudWatch Logs' operations: each declares its IAM action and the resource ARN IAM evaluates (the group ARN
// with its trailing `:*` for most, the bare group ARN for the tagging trio, the stream ARN for what writes or
// reads one stream), then runs against the region's store.
import type { IamRequirement, LogEvent } from "../types.ts";
import { compileFilterPattern } from "./filter-pattern.ts";
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

export interface LogsArns {
  /** arn:aws:logs:<region>:<account>:log-group:<name> */
  group(name: unknown): string;
}

export interface LogsOperation {
  iam(input: Input, arn: LogsArns): IamRequirement;
  run(input: Input, store: LogStore, arn: LogsArns): unknown;
}

const RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

const onGroup = (action: string) => (input: Input, arn: LogsArns) => ({
  action,
  resources: [`${arn.group(input.logGroupName)}:*`],
});
const onStream = (action: string) => (input: Input, arn: LogsArns) => ({
  action,
  resources: [`${arn.group(input.logGroupName)}:log-stream:${String(input.logStreamName ?? "")}`],
});
/** TagResource and friends are the exception IAM documents: the group ARN without its `:*`. */
const onTagged = (action: string) => (input: Input, arn: LogsArns) => ({
  action,
  resources: [input.resourceArn !== undefined ? String(input.resourceArn) : arn.group(input.logGroupName)],
});

function groupName(value: unknown): string {
  const name = String(value ?? "");
  if (!GROUP_NAME.test(name)) {
    throw new LogsError("InvalidParameterException", `Invalid log group name: ${JSON.stringify(name)}`);
  }
  return name;
}

function streamName(value: unknown): string {
  const name = String(value ?? "");
  if (!STREAM_NAME.test(name)) {
    throw new LogsError("InvalidParameterException", `Invalid log stream name: ${JSON.stringify(name)}`);
  }
  return name;
}

function findGroup(store: LogStore, name: unknown): LogGroup {
  const group = store.groups.get(String(name));
  if (!group) throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
  return group;
}

function findStream(group: LogGroup, name: unknown): LogStream {
  const stream = group.streams.get(String(name));
  if (!stream) throw new LogsError("ResourceNotFoundException", "The specified log stream does not exist.");
  return stream;
}

/** TagResource and friends name the group by ARN (of this region); the older TagLogGroup by name. */
function taggedGroup(store: LogStore, input: Input, arn: LogsArns): LogGroup {
  if (input.logGroupName !== undefined) return findGroup(store, input.logGroupName);
  const resourceArn = String(input.resourceArn ?? "");
  const name = resourceArn.match(/^arn:aws[\w-]*:logs:[^:]*:\d{12}:log-group:(.+?)(?::\*)?$/)?.[1];
  if (!name) throw new LogsError("InvalidParameterException", `Invalid resourceArn: ${resourceArn}`);
  if (arn.group(name) !== resourceArn.replace(/:\*$/, "")) {
    throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
  }
  return findGroup(store, name);
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
const sequenceToken = (stream: LogStream) => pad(stream.events.length);

function describeGroups(input: Input, store: LogStore, arn: LogsArns) {
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

function describeStreams(input: Input, store: LogStore, arn: LogsArns) {
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

function getEvents(input: Input, store: LogStore) {
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

function filterEvents(input: Input, store: LogStore) {
  const group = findGroup(store, input.logGroupName);
  const names = input.logStreamNames as string[] | undefined;
  const prefix = (input.logStreamNamePrefix as string | undefined) ?? "";
  const matches = compileFilterPattern(input.filterPattern as string | undefined);
  const found: Array<StoredEvent & { logStreamName: string; eventId: string }> = [];
  for (const stream of group.streams.values()) {
    if (names ? !names.includes(stream.name) : !stream.name.startsWith(prefix)) continue;
    const idPrefix = stream.file.slice(0, 12);
    inTimeRange(retained(group, stream.events), input).forEach((event, index) => {
      if (matches(event.message)) {
        found.push({ ...event, logStreamName: stream.name, eventId: `${idPrefix}${pad(index)}` });
      }
    });
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

function tag(input: Input, store: LogStore, arn: LogsArns) {
  const group = taggedGroup(store, input, arn);
  Object.assign(group.tags, input.tags as Record<string, string>);
  store.save();
  return {};
}

function untag(input: Input, store: LogStore, arn: LogsArns) {
  const group = taggedGroup(store, input, arn);
  for (const key of (input.tagKeys ?? input.tags) as string[]) delete group.tags[key];
  store.save();
  return {};
}

const listTags = (input: Input, store: LogStore, arn: LogsArns) => ({
  tags: { ...taggedGroup(store, input, arn).tags },
});

export const OPERATIONS: Record<string, LogsOperation> = {
  CreateLogGroup: {
    iam: onGroup("logs:CreateLogGroup"),
    run(input, store) {
      const name = groupName(input.logGroupName);
      if (store.groups.has(name)) {
        throw new LogsError("ResourceAlreadyExistsException", "The specified log group already exists");
      }
      store.createGroup(name, (input.tags as Record<string, string>) ?? {});
      return {};
    },
  },
  DeleteLogGroup: {
    iam: onGroup("logs:DeleteLogGroup"),
    run(input, store) {
      store.deleteGroup(findGroup(store, input.logGroupName).name);
      return {};
    },
  },
  DescribeLogGroups: {
    iam: (_input, arn) => ({ action: "logs:DescribeLogGroups", resources: [`${arn.group("")}*`] }),
    run: describeGroups,
  },
  PutRetentionPolicy: {
    iam: onGroup("logs:PutRetentionPolicy"),
    run(input, store) {
      const group = findGroup(store, input.logGroupName);
      const days = Number(input.retentionInDays);
      if (!RETENTION_DAYS.has(days)) {
        throw new LogsError("InvalidParameterException", `Invalid value for retentionInDays: ${days}`);
      }
      group.retentionInDays = days;
      store.save();
      return {};
    },
  },
  DeleteRetentionPolicy: {
    iam: onGroup("logs:DeleteRetentionPolicy"),
    run(input, store) {
      delete findGroup(store, input.logGroupName).retentionInDays;
      store.save();
      return {};
    },
  },
  CreateLogStream: {
    iam: onStream("logs:CreateLogStream"),
    run(input, store) {
      const group = findGroup(store, input.logGroupName);
      const name = streamName(input.logStreamName);
      if (group.streams.has(name)) {
        throw new LogsError("ResourceAlreadyExistsException", "The specified log stream already exists");
      }
      store.createStream(group, name);
      return {};
    },
  },
  DeleteLogStream: {
    iam: onStream("logs:DeleteLogStream"),
    run(input, store) {
      const group = findGroup(store, input.logGroupName);
      findStream(group, input.logStreamName);
      store.deleteStream(group, String(input.logStreamName));
      return {};
    },
  },
  DescribeLogStreams: { iam: onGroup("logs:DescribeLogStreams"), run: describeStreams },
  PutLogEvents: {
    iam: onStream("logs:PutLogEvents"),
    run(input, store) {
      const group = findGroup(store, input.logGroupName);
      const stream = findStream(group, input.logStreamName);
      const events = (input.logEvents as LogEvent[] | undefined) ?? [];
      if (events.length === 0)
        throw new LogsError("InvalidParameterException", "logEvents must not be empty");
      store.append(
        group,
        stream,
        [...events].sort((a, b) => a.timestamp - b.timestamp),
      );
      return { nextSequenceToken: sequenceToken(stream) };
    },
  },
  GetLogEvents: { iam: onStream("logs:GetLogEvents"), run: getEvents },
  FilterLogEvents: { iam: onGroup("logs:FilterLogEvents"), run: filterEvents },
  TagResource: { iam: onTagged("logs:TagResource"), run: tag },
  TagLogGroup: { iam: onGroup("logs:TagLogGroup"), run: tag },
  UntagResource: { iam: onTagged("logs:UntagResource"), run: untag },
  UntagLogGroup: { iam: onGroup("logs:UntagLogGroup"), run: untag },
  ListTagsForResource: { iam: onTagged("logs:ListTagsForResource"), run: listTags },
  ListTagsLogGroup: { iam: onGroup("logs:ListTagsLogGroup"), run: listTags },
};
