// The local cloud's CloudWatch Logs (awsJson 1.1, X-Amz-Target Logs_20140328.<Op>): groups, retention,
// streams, events, GetLogEvents/FilterLogEvents, tags; and `ctx.logs.putEvents` for Lambda's output.
import { join } from "node:path";
import { compileFilterPattern } from "./logs/filter-pattern.ts";
import { type LogGroup, LogStore, type LogStream, retained, type StoredEvent } from "./logs/store.ts";
import { parseJsonBody, sendAwsJsonError, sendJson } from "./protocol/json.ts";
import type { CloudContext, EdgeRequest, LogEvent, Service } from "./types.ts";

const CONTENT_TYPE = "application/x-amz-json-1.1";
const RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

export class LogsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;

export async function createLogsService(ctx: CloudContext): Promise<Service> {
  const store = new LogStore(join(ctx.dataDir, "logs"));
  const logs = new LogsOperations(store, ctx);
  ctx.logs = { putEvents: (group, stream, events) => logs.putInternal(group, stream, events) };
  return {
    name: "logs",
    async handle(req: EdgeRequest, res) {
      const operation = req.target?.split(".")[1] ?? "";
      try {
        const input = parseJsonBody<Input>(req.body);
        const output = logs.call(operation, input, req.region);
        sendJson(res, 200, output ?? {}, CONTENT_TYPE);
      } catch (error) {
        if (error instanceof LogsError) return sendAwsJsonError(res, 400, error.code, error.message);
        if (error instanceof SyntaxError)
          return sendAwsJsonError(res, 400, "SerializationException", error.message);
        throw error;
      }
    },
  };
}

class LogsOperations {
  constructor(
    private readonly store: LogStore,
    private readonly ctx: CloudContext,
  ) {}

  call(operation: string, input: Input, region: string): unknown {
    switch (operation) {
      case "CreateLogGroup": {
        const name = groupName(input.logGroupName);
        if (this.store.groups.has(name)) {
          throw new LogsError("ResourceAlreadyExistsException", "The specified log group already exists");
        }
        this.store.createGroup(name, (input.tags as Record<string, string>) ?? {});
        return {};
      }
      case "DeleteLogGroup":
        this.store.deleteGroup(this.group(input.logGroupName).name);
        return {};
      case "DescribeLogGroups":
        return this.describeGroups(input, region);
      case "PutRetentionPolicy": {
        const group = this.group(input.logGroupName);
        const days = Number(input.retentionInDays);
        if (!RETENTION_DAYS.has(days)) {
          throw new LogsError("InvalidParameterException", `Invalid value for retentionInDays: ${days}`);
        }
        group.retentionInDays = days;
        this.store.save();
        return {};
      }
      case "DeleteRetentionPolicy": {
        const group = this.group(input.logGroupName);
        delete group.retentionInDays;
        this.store.save();
        return {};
      }
      case "CreateLogStream": {
        const group = this.group(input.logGroupName);
        const name = streamName(input.logStreamName);
        if (group.streams.has(name)) {
          throw new LogsError("ResourceAlreadyExistsException", "The specified log stream already exists");
        }
        this.store.createStream(group, name);
        return {};
      }
      case "DeleteLogStream": {
        const group = this.group(input.logGroupName);
        this.stream(group, input.logStreamName);
        this.store.deleteStream(group, String(input.logStreamName));
        return {};
      }
      case "DescribeLogStreams":
        return this.describeStreams(input, region);
      case "PutLogEvents": {
        const group = this.group(input.logGroupName);
        const stream = this.stream(group, input.logStreamName);
        const events = (input.logEvents as LogEvent[] | undefined) ?? [];
        if (events.length === 0)
          throw new LogsError("InvalidParameterException", "logEvents must not be empty");
        this.store.append(
          group,
          stream,
          [...events].sort((a, b) => a.timestamp - b.timestamp),
        );
        return { nextSequenceToken: sequenceToken(stream) };
      }
      case "GetLogEvents":
        return this.getEvents(input);
      case "FilterLogEvents":
        return this.filterEvents(input);
      case "TagResource":
      case "TagLogGroup": {
        const group = this.taggedGroup(input);
        Object.assign(group.tags, input.tags as Record<string, string>);
        this.store.save();
        return {};
      }
      case "UntagResource":
      case "UntagLogGroup": {
        const group = this.taggedGroup(input);
        for (const key of (input.tagKeys ?? input.tags) as string[]) delete group.tags[key];
        this.store.save();
        return {};
      }
      case "ListTagsForResource":
      case "ListTagsLogGroup":
        return { tags: { ...this.taggedGroup(input).tags } };
      default:
        throw new LogsError(
          "UnknownOperationException",
          `The local cloud does not emulate Logs ${operation}`,
        );
    }
  }

  putInternal(groupName: string, streamName: string, events: LogEvent[]): void {
    const group = this.store.groups.get(groupName) ?? this.store.createGroup(groupName);
    const stream = group.streams.get(streamName) ?? this.store.createStream(group, streamName);
    this.store.append(group, stream, events);
    this.ctx.debug(`logs: ${events.length} event(s) to ${groupName} ${streamName}`);
  }

  private describeGroups(input: Input, region: string) {
    const prefix = (input.logGroupNamePrefix as string | undefined) ?? "";
    const pattern = input.logGroupNamePattern as string | undefined;
    const names = [...this.store.groups.keys()]
      .filter((name) => name.startsWith(prefix) && (!pattern || name.includes(pattern)))
      .sort();
    const { page, nextToken } = paginate(names, input.nextToken, input.limit, 50);
    const logGroups = page.map((name) => {
      const group = this.store.groups.get(name)!;
      const arn = this.groupArn(region, name);
      return {
        logGroupName: name,
        creationTime: group.creationTime,
        ...(group.retentionInDays ? { retentionInDays: group.retentionInDays } : {}),
        metricFilterCount: 0,
        arn: `${arn}:*`,
        logGroupArn: arn,
        storedBytes: [...group.streams.values()].reduce((sum, stream) => sum + stream.storedBytes, 0),
        logGroupClass: "STANDARD",
      };
    });
    return { logGroups, ...(nextToken ? { nextToken } : {}) };
  }

  private describeStreams(input: Input, region: string) {
    const group = this.group(input.logGroupName);
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
        arn: `${this.groupArn(region, group.name)}:log-stream:${stream.name}`,
        storedBytes: stream.storedBytes,
      };
    });
    return { logStreams, ...(nextToken ? { nextToken } : {}) };
  }

  private getEvents(input: Input) {
    const group = this.group(input.logGroupName);
    const stream = this.stream(group, input.logStreamName);
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
      events: events.slice(start, end).map(({ timestamp, message, ingestionTime }) => ({
        timestamp,
        message,
        ingestionTime,
      })),
      nextForwardToken: `f/${pad(end)}`,
      nextBackwardToken: `b/${pad(start)}`,
    };
  }

  private filterEvents(input: Input) {
    const group = this.group(input.logGroupName);
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

  private group(name: unknown): LogGroup {
    const group = this.store.groups.get(String(name));
    if (!group) throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
    return group;
  }

  private stream(group: LogGroup, name: unknown): LogStream {
    const stream = group.streams.get(String(name));
    if (!stream) throw new LogsError("ResourceNotFoundException", "The specified log stream does not exist.");
    return stream;
  }

  /** TagResource and friends name the group by ARN; the older TagLogGroup by name. */
  private taggedGroup(input: Input): LogGroup {
    if (input.logGroupName !== undefined) return this.group(input.logGroupName);
    const arn = String(input.resourceArn ?? "");
    const name = arn.match(/^arn:aws[\w-]*:logs:[^:]*:\d{12}:log-group:(.+?)(?::\*)?$/)?.[1];
    if (!name) throw new LogsError("InvalidParameterException", `Invalid resourceArn: ${arn}`);
    return this.group(name);
  }

  private groupArn(region: string, name: string): string {
    return `arn:aws:logs:${region}:${this.ctx.accountId}:log-group:${name}`;
  }
}

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
const sequenceToken = (stream: LogStream) => pad(stream.events.length);
const pad = (value: number) => String(value).padStart(56, "0");
