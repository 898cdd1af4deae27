// DynamoDB's operations: each declares the IAM action and resource ARNs the Service Authorization Reference
// lists for it (Query and Scan on the index ARN when they name an index) and the condition keys it supplies,
// and what it does beyond dynalite's action (AWS's messages, waiting out dynalite's deferred status flips,
// indexes added and removed by UpdateTable).
import type { IamRequirement } from "../types.ts";
import type { RegionTables, TableDescription } from "./engine.ts";
import { resourceInUse, resourceNotFound, validationError } from "./errors.ts";
import { changeInProgress, type IndexBuilder, indexChanges } from "./indexes.ts";
import { TIME_TO_LIVE_OPERATIONS } from "./time-to-live.ts";
import { callOn, type Transactions, transactionRequirements } from "./transactions.ts";

export type Input = Record<string, unknown>;

export interface OperationScope {
  tables: RegionTables;
  indexes: IndexBuilder;
  transactions: Transactions;
  /** The table the request names, read once on demand. */
  table(): Promise<TableDescription | undefined>;
}

export interface DynamoOperation {
  /** Checks the request as DynamoDB does and returns what the rest works on; dynalite's rules when absent. */
  validate?(input: Input, tables: RegionTables): Input;
  /** A transaction's several items each need their own action: it may give one requirement per item. */
  iam(
    input: Input,
    arn: TableArns,
    scope: OperationScope,
  ): IamRequirement | IamRequirement[] | Promise<IamRequirement | IamRequirement[]>;
  /** What the operation does; dynalite's action when absent. */
  run?(input: Input, scope: OperationScope): Promise<Record<string, unknown>>;
}

export interface TableArns {
  table(name: unknown): string;
  index(table: unknown, index: unknown): string;
}

const tableName = (input: Input) => String(input.TableName ?? "");
const requestTables = (input: Input) => Object.keys((input.RequestItems as Record<string, unknown>) ?? {});

type AttributeValue = { S?: string; N?: string; B?: string };

/** The partition key value(s) a request touches: the `dynamodb:LeadingKeys` condition key. */
function leadingKey(
  table: TableDescription | undefined,
  item: unknown,
  keySchema = table?.KeySchema,
): string[] | undefined {
  const hash = keySchema?.find((key) => key.KeyType === "HASH")?.AttributeName;
  const value = hash ? (item as Record<string, AttributeValue> | undefined)?.[hash] : undefined;
  const text = value?.S ?? value?.N ?? value?.B;
  return text === undefined ? undefined : [text];
}

/** Condition keys DynamoDB adds to item-level requests. */
async function itemContext(
  input: Input,
  scope: OperationScope,
  item: unknown,
): Promise<Record<string, string | string[]>> {
  const context: Record<string, string | string[]> = {};
  const keys = leadingKey(await scope.table(), item);
  if (keys) context["dynamodb:LeadingKeys"] = keys;
  for (const [field, key] of [
    ["Select", "dynamodb:Select"],
    ["ReturnValues", "dynamodb:ReturnValues"],
    ["ReturnConsumedCapacity", "dynamodb:ReturnConsumedCapacity"],
  ] as const) {
    if (typeof input[field] === "string") context[key] = input[field] as string;
  }
  return context;
}

/** A request on one table, with its item-level condition keys. */
const onItem =
  (action: string, item: (input: Input) => unknown) =>
  async (input: Input, arn: TableArns, scope: OperationScope): Promise<IamRequirement> => ({
    action,
    resources: [arn.table(input.TableName)],
    context: await itemContext(input, scope, item(input)),
  });

const onTable = (action: string) => (input: Input, arn: TableArns) => ({
  action,
  resources: [arn.table(input.TableName)],
});

const onTables = (action: string) => (input: Input, arn: TableArns) => ({
  action,
  resources: requestTables(input).map((name) => arn.table(name)),
});

const onTaggedResource = (action: string) => (input: Input) => ({
  action,
  resources: [String(input.ResourceArn ?? "*")],
});

/** Query and Scan name the index ARN when they read an index, the table ARN otherwise. */
const onTableOrIndex = (action: string) => async (input: Input, arn: TableArns, scope: OperationScope) => {
  const indexName = input.IndexName;
  const resource = indexName ? arn.index(input.TableName, indexName) : arn.table(input.TableName);
  const context = await itemContext(input, scope, undefined);
  const conditions = input.KeyConditions as Record<
    string,
    { ComparisonOperator?: string; AttributeValueList?: AttributeValue[] }
  >;
  if (conditions) {
    const table = await scope.table();
    const index = [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])].find(
      (candidate) => candidate.IndexName === indexName,
    );
    const equals = Object.fromEntries(
      Object.entries(conditions)
        .filter(([, condition]) => condition.ComparisonOperator === "EQ")
        .map(([name, condition]) => [name, condition.AttributeValueList?.[0]]),
    );
    const keys = leadingKey(table, equals, index?.KeySchema ?? table?.KeySchema);
    if (keys) context["dynamodb:LeadingKeys"] = keys;
  }
  return { action, resources: [resource], context };
};

async function refuseBackfillingIndex(input: Input, scope: OperationScope): Promise<void> {
  if (!input.IndexName) return;
  const index = (await scope.table())?.GlobalSecondaryIndexes?.find(
    (candidate) => candidate.IndexName === input.IndexName,
  );
  if (index?.IndexStatus === "CREATING") {
    throw validationError(`Cannot read from backfilling global secondary index: ${index.IndexName}`);
  }
}

/** Tagging names the table by ARN: one from another region or account is not a table here. */
function checkTaggedArn(input: Input, scope: OperationScope): void {
  const arn = String(input.ResourceArn ?? "");
  const match = arn.match(/^arn:aws:dynamodb:([^:]+):(\d+):table\//);
  if (match && (match[1] !== scope.tables.region || match[2] !== scope.tables.accountId)) {
    throw resourceNotFound(`Requested resource not found: ResourcArn: ${arn} not found`);
  }
}

const tagged = (operation: string) => async (input: Input, scope: OperationScope) => {
  checkTaggedArn(input, scope);
  return scope.tables.run(operation, input);
};

/** dynalite has no transactions: they run on its single-item operations (transactions.ts). */
function transactional(operation: string): DynamoOperation {
  return {
    // Validated item by item as the transaction plans them, with DynamoDB's own messages.
    validate: (input) => input,
    iam: (input, arn) => transactionRequirements(input, arn.table),
    run: (input, scope) => scope.transactions.run(operation, input, callOn(scope.tables)),
  };
}

export const OPERATIONS: Record<string, DynamoOperation> = {
  BatchGetItem: { iam: onTables("dynamodb:BatchGetItem") },
  BatchWriteItem: { iam: onTables("dynamodb:BatchWriteItem") },
  CreateTable: {
    iam: onTable("dynamodb:CreateTable"),
    async run(input, { tables }) {
      const name = tableName(input);
      let output: Record<string, unknown>;
      try {
        output = await tables.run("CreateTable", input);
      } catch (error) {
        // dynalite leaves this message empty; DynamoDB names the table.
        if ((error as { type?: string }).type?.endsWith("ResourceInUseException")) {
          throw resourceInUse(`Table already exists: ${name}`);
        }
        throw error;
      }
      // The answer says CREATING, as DynamoDB's does; the table is ACTIVE (on disk) before it is sent.
      await tables.settle(name, (table) => table?.TableStatus === "ACTIVE");
      return output;
    },
  },
  DeleteItem: { iam: onItem("dynamodb:DeleteItem", (input) => input.Key) },
  DeleteTable: {
    iam: onTable("dynamodb:DeleteTable"),
    async run(input, { tables, table }) {
      const current = await table();
      if (current?.TableStatus === "UPDATING") {
        throw resourceInUse(
          `Attempt to change a resource which is still in use: Table is being updated: ${current.TableName}`,
        );
      }
      const output = await tables.run("DeleteTable", input);
      await tables.settle(tableName(input), (gone) => gone === undefined);
      return output;
    },
  },
  DescribeTable: { iam: onTable("dynamodb:DescribeTable") },
  GetItem: { iam: onItem("dynamodb:GetItem", (input) => input.Key) },
  ListTables: { iam: () => ({ action: "dynamodb:ListTables", resources: ["*"] }) },
  PutItem: { iam: onItem("dynamodb:PutItem", (input) => input.Item) },
  Query: {
    iam: onTableOrIndex("dynamodb:Query"),
    async run(input, scope) {
      await refuseBackfillingIndex(input, scope);
      return scope.tables.run("Query", input);
    },
  },
  Scan: {
    iam: onTableOrIndex("dynamodb:Scan"),
    async run(input, scope) {
      await refuseBackfillingIndex(input, scope);
      return scope.tables.run("Scan", input);
    },
  },
  TagResource: { iam: onTaggedResource("dynamodb:TagResource"), run: tagged("TagResource") },
  UntagResource: { iam: onTaggedResource("dynamodb:UntagResource"), run: tagged("UntagResource") },
  ListTagsOfResource: {
    iam: onTaggedResource("dynamodb:ListTagsOfResource"),
    run: tagged("ListTagsOfResource"),
  },
  UpdateItem: { iam: onItem("dynamodb:UpdateItem", (input) => input.Key) },
  ...TIME_TO_LIVE_OPERATIONS,
  TransactGetItems: transactional("TransactGetItems"),
  TransactWriteItems: transactional("TransactWriteItems"),
  UpdateTable: {
    // dynalite's rules know neither AttributeDefinitions here nor on-demand indexes; IndexBuilder checks those.
    validate(input, tables) {
      if (indexChanges(input).length === 0) return tables.validate("UpdateTable", input);
      if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName(input))) {
        throw validationError(
          `1 validation error detected: Value '${tableName(input)}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
        );
      }
      return input;
    },
    iam: onTable("dynamodb:UpdateTable"),
    async run(input, { tables, indexes, table }) {
      const name = tableName(input);
      const changes = indexChanges(input);
      if (changes.length > 0) {
        const others = ["ProvisionedThroughput", "BillingMode"].filter((field) => input[field] !== undefined);
        const updates = (input.GlobalSecondaryIndexUpdates as unknown[]).length - changes.length;
        if (others.length > 0 || updates > 0) {
          throw validationError(
            "One or more parameter values were invalid: a global secondary index is created or deleted by an UpdateTable request with no other change",
          );
        }
        return { TableDescription: await indexes.apply(name, input, changes) };
      }
      const current = await table();
      if (current) changeInProgress(current);
      const output = await tables.run("UpdateTable", input);
      await tables.settle(name, (settled) => settled?.TableStatus === "ACTIVE");
      return output;
    },
  },
};
