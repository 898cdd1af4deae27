// The functions' log groups, created by setup (not left to Lambda) so they carry a retention and the
// stack's tag, and so teardown can remove them; a group of that name without the tag is left alone.
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  type LogGroup,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { FUNCTION_KEYS, type FunctionKey, STACK_TAG_KEY } from "../config.ts";
import { isNotFound } from "../errors.ts";
import { arns, change, hasStackTag, type ProvisionContext, read, stackTags } from "./context.ts";

export async function findLogGroup(logs: CloudWatchLogsClient, name: string): Promise<LogGroup | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await read(() =>
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken })),
    );
    const found = page.logGroups?.find((group) => group.logGroupName === name);
    if (found) return found;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** Whether the group carries the stack's tag: only then may setup change it and teardown delete it. */
async function isOurs(ctx: ProvisionContext, key: FunctionKey): Promise<boolean> {
  const { tags } = await read(() =>
    ctx.clients.logs.send(new ListTagsForResourceCommand({ resourceArn: arns(ctx).logGroup(key) })),
  );
  return hasStackTag(tags, ctx.names.stack);
}

function notOurs(ctx: ProvisionContext, name: string): string {
  return `log group ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`;
}

export async function ensureLogGroups(ctx: ProvisionContext): Promise<void> {
  const { logs } = ctx.clients;
  const days = ctx.settings.logRetentionDays;
  for (const key of FUNCTION_KEYS) {
    const name = ctx.names.logGroups[key];
    const group = await findLogGroup(logs, name);
    if (!group) {
      await change(ctx, `create log group ${name}`, () =>
        logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: stackTags(ctx.names) })),
      );
    } else if (!(await isOurs(ctx, key))) {
      ctx.notes.push(`left the retention of ${notOurs(ctx, name)}`);
      continue;
    }
    if (group?.retentionInDays !== days) {
      await change(ctx, `keep ${name} for ${days} days`, () =>
        logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: days })),
      );
    }
  }
}

export async function destroyLogGroups(ctx: ProvisionContext): Promise<void> {
  const { logs } = ctx.clients;
  for (const key of [...FUNCTION_KEYS].reverse()) {
    const name = ctx.names.logGroups[key];
    if (!(await findLogGroup(logs, name))) continue;
    if (!(await isOurs(ctx, key))) {
      ctx.notes.push(`left ${notOurs(ctx, name)}`);
      continue;
    }
    try {
      await change(ctx, `delete log group ${name}`, () =>
        logs.send(new DeleteLogGroupCommand({ logGroupName: name })),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
