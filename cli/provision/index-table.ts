// Incremental tracking's per-object index table (handlers/tracking/object-index/keys.ts defines it):
// created only in that mode, with Time to Live on the tombstones' expiry attribute, tagged, and deleted
// by teardown whatever the mode (a stack switched back to listing still owns it).
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  TagResourceCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  EXPIRES_ATTRIBUTE,
  INDEX_KEYS,
  indexTableDefinition,
} from "../../handlers/tracking/object-index/keys.ts";
import { STACK_TAG_KEY } from "../config.ts";
import { UserError } from "../errors.ts";
import { change, type ProvisionContext, read, recordCreated, tagList } from "./context.ts";
import { describeTable, tableIsTagged, waitUntilActive } from "./table.ts";

const keyText = (schema: Array<{ AttributeName?: string; KeyType?: string }> | undefined) =>
  (schema ?? []).map((key) => `${key.AttributeName} ${key.KeyType}`).join(", ");

export async function ensureIndexTable(ctx: ProvisionContext): Promise<void> {
  if (ctx.settings.tracking !== "incremental") return;
  const { dynamodb } = ctx.clients;
  const name = ctx.names.indexTable;
  if (name === ctx.names.table) {
    throw new UserError(
      `the index table and the history table are both named ${name}`,
      "choose another index table name with --index-table (S3SIZE_INDEX_TABLE)",
    );
  }
  const definition = indexTableDefinition(name);
  const existing = await describeTable(dynamodb, name);
  if (!existing) {
    await change(ctx, `create index table ${name}`, () => dynamodb.send(new CreateTableCommand(definition)));
    if (ctx.dryRun) {
      ctx.changes.push(`expire ${name}'s tombstones by ${EXPIRES_ATTRIBUTE}`);
      return;
    }
    recordCreated(ctx, name);
    const arn = (await waitUntilActive(ctx, name)).TableArn;
    await change(ctx, `tag table ${name}`, () =>
      dynamodb.send(new TagResourceCommand({ ResourceArn: arn, Tags: tagList(ctx.names) })),
    );
  } else {
    if (keyText(existing.KeySchema) !== keyText(definition.KeySchema)) {
      throw new UserError(
        `table ${name} exists and cannot hold the object index: its keys are (${keyText(existing.KeySchema)}), the index needs (${INDEX_KEYS.partition} HASH, ${INDEX_KEYS.sort} RANGE)`,
        "choose another index table name with --index-table (S3SIZE_INDEX_TABLE)",
      );
    }
    if (!ctx.state.created.includes(name) && !(await tableIsTagged(ctx, existing.TableArn!))) {
      throw new UserError(
        `table ${name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
        "choose another index table name with --index-table (S3SIZE_INDEX_TABLE)",
      );
    }
  }
  await ensureTimeToLive(ctx, name);
}

/** UpdateTimeToLive refuses a request that changes nothing: ask first. */
async function ensureTimeToLive(ctx: ProvisionContext, name: string): Promise<void> {
  const { dynamodb } = ctx.clients;
  const { TimeToLiveDescription: ttl } = await read(() =>
    dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name })),
  );
  const status = ttl?.TimeToLiveStatus;
  if ((status === "ENABLED" || status === "ENABLING") && ttl?.AttributeName === EXPIRES_ATTRIBUTE) return;
  if (status === "ENABLED" || status === "ENABLING" || status === "DISABLING") {
    ctx.notes.push(
      `${name} expires items by ${ttl?.AttributeName ?? "another attribute"} (${status}); the tracker's tombstones use ${EXPIRES_ATTRIBUTE}: they are kept (a few bytes each)`,
    );
    return;
  }
  await change(ctx, `expire ${name}'s tombstones by ${EXPIRES_ATTRIBUTE}`, () =>
    dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: EXPIRES_ATTRIBUTE },
      }),
    ),
  );
}

export async function destroyIndexTable(ctx: ProvisionContext): Promise<void> {
  const { dynamodb } = ctx.clients;
  const name = ctx.names.indexTable;
  if (name === ctx.names.table) return;
  const existing = await describeTable(dynamodb, name);
  if (!existing) return;
  if (!ctx.state.created.includes(name) && !(await tableIsTagged(ctx, existing.TableArn!))) {
    ctx.notes.push(`left table ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`);
    return;
  }
  await change(ctx, `delete index table ${name}`, () =>
    dynamodb.send(new DeleteTableCommand({ TableName: name })),
  );
}
