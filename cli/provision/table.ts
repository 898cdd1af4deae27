// The history table: created from the one definition in handlers/common/history.ts, waited on until it
// and its indexes are ACTIVE; an existing table with another key schema is refused, never changed.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  type TableDescription,
  TagResourceCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { STACK_TAG_KEY } from "../config.ts";
import { UserError } from "../errors.ts";
import { waitFor } from "../retry.ts";
import {
  change,
  hasStackTag,
  type ProvisionContext,
  read,
  readIfExists,
  recordCreated,
  tagList,
} from "./context.ts";

export async function describeTable(
  dynamodb: DynamoDBClient,
  table: string,
): Promise<TableDescription | undefined> {
  return (await readIfExists(() => dynamodb.send(new DescribeTableCommand({ TableName: table }))))?.Table;
}

const keySchemaText = (schema: Array<{ AttributeName?: string; KeyType?: string }> | undefined) =>
  (schema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ");

/** Why an existing table cannot serve as the history table, or undefined when its keys fit. */
export function keySchemaMismatch(table: TableDescription, name: string): string | undefined {
  const wanted = historyTableDefinition(name);
  if (keySchemaText(table.KeySchema) !== keySchemaText(wanted.KeySchema)) {
    return `its key schema is (${keySchemaText(table.KeySchema)}), the history needs (${keySchemaText(wanted.KeySchema)})`;
  }
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    const wantedIndex = wanted.GlobalSecondaryIndexes.find((w) => w.IndexName === index.IndexName);
    if (wantedIndex && keySchemaText(index.KeySchema) !== keySchemaText(wantedIndex.KeySchema)) {
      return `its index ${index.IndexName} has keys (${keySchemaText(index.KeySchema)})`;
    }
  }
  return undefined;
}

/** Read-only check run before setup changes anything: an incompatible table is refused up front. */
export async function checkTable(ctx: ProvisionContext): Promise<void> {
  const existing = await describeTable(ctx.clients.dynamodb, ctx.names.table);
  const mismatch = existing && keySchemaMismatch(existing, ctx.names.table);
  if (mismatch) throw incompatibleTable(ctx.names.table, mismatch);
}

function incompatibleTable(name: string, mismatch: string): UserError {
  return new UserError(
    `table ${name} exists and cannot hold the history: ${mismatch}`,
    "choose another table name with S3SIZE_TABLE",
  );
}

export async function ensureTable(ctx: ProvisionContext): Promise<void> {
  const { dynamodb } = ctx.clients;
  const name = ctx.names.table;
  const definition = historyTableDefinition(name);
  const existing = await describeTable(dynamodb, name);
  if (!existing) {
    await change(ctx, `create table ${name}`, () => dynamodb.send(new CreateTableCommand(definition)));
    if (ctx.dryRun) return;
    recordCreated(ctx, name);
    const arn = (await waitUntilActive(ctx))?.TableArn;
    await change(ctx, `tag table ${name}`, () =>
      dynamodb.send(new TagResourceCommand({ ResourceArn: arn, Tags: tagList(ctx.names) })),
    );
    return;
  }
  const mismatch = keySchemaMismatch(existing, name);
  if (mismatch) throw incompatibleTable(name, mismatch);
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of definition.GlobalSecondaryIndexes.filter((i) => !present.has(i.IndexName))) {
    // DynamoDB adds one index per UpdateTable, each after the table is ACTIVE again.
    await change(ctx, `add index ${index.IndexName} to ${name}`, () =>
      dynamodb.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: definition.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      ),
    );
    if (!ctx.dryRun) await waitUntilActive(ctx);
  }
  const ours = ctx.state.created.includes(name);
  if (ours && !(await tableIsTagged(ctx, existing.TableArn!))) {
    await change(ctx, `tag table ${name}`, () =>
      dynamodb.send(new TagResourceCommand({ ResourceArn: existing.TableArn, Tags: tagList(ctx.names) })),
    );
  }
}

export async function tableIsTagged(ctx: ProvisionContext, arn: string): Promise<boolean> {
  const { Tags } = await read(() =>
    ctx.clients.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn })),
  );
  return hasStackTag(Tags, ctx.names.stack);
}

export function waitUntilActive(ctx: ProvisionContext, name = ctx.names.table): Promise<TableDescription> {
  return waitFor(
    async () => {
      const table = await describeTable(ctx.clients.dynamodb, name);
      const ready =
        table?.TableStatus === "ACTIVE" &&
        (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
      return ready ? table : undefined;
    },
    { timeoutMs: 300_000, what: `table ${name} to become ACTIVE` },
  );
}

export async function destroyTable(ctx: ProvisionContext): Promise<void> {
  const { dynamodb } = ctx.clients;
  const name = ctx.names.table;
  const existing = await describeTable(dynamodb, name);
  if (!existing) return;
  if (!(await tableIsTagged(ctx, existing.TableArn!)) && !ctx.state.created.includes(name)) {
    ctx.notes.push(`left table ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`);
    return;
  }
  await change(ctx, `delete table ${name}`, () => dynamodb.send(new DeleteTableCommand({ TableName: name })));
}
