// CloudWatch Logs' operations: each declares its IAM action and the resource ARN IAM evaluates (the group ARN
// with its trailing `:*` for most, the bare group ARN for the tagging trio, the stream ARN for what writes or
// reads one stream), then runs against the region's store.
import type { IamRequirement, LogEvent } from "../types.ts";
import {
  describeGroups,
  describeStreams,
  filterEvents,
  findGroup,
  findStream,
  getEvents,
  type Input,
  LogsError,
  sequenceToken,
} from "./reads.ts";
import type { LogGroup, LogStore } from "./store.ts";

export { type Input, LogsError };

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
