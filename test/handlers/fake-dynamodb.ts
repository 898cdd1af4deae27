// An in-memory DynamoDB behind a mocked DynamoDBClient, for the tracker's unit tests: tables with their
// key schemas, GetItem/PutItem/DeleteItem/BatchWriteItem/Query (tiny pages, so readers must follow
// LastEvaluatedKey), and TransactGetItems/TransactWriteItems with all-or-nothing conditions and
// DynamoDB's cancellation shape. It evaluates the expression forms the tracker writes and refuses any other, and refuses Scan.
// Hooks let a test stop a writer between its read and its write, as a crash or a racing writer would.
import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type TransactGetItem,
  TransactGetItemsCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { TEST_CREDENTIALS } from "./fake-history-table.ts";

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

interface Table {
  hash: string;
  range?: string;
  rangeType: "S" | "N";
  items: Map<string, Item>;
}

export interface FakeDynamoHooks {
  /** Runs before each TransactWriteItems is applied; throwing stops it (nothing is written). */
  beforeTransactWrite?: (call: number) => Promise<void> | void;
  /** Runs after each TransactWriteItems was applied; throwing loses the answer (everything was written). */
  afterTransactWrite?: (call: number) => Promise<void> | void;
}

export function fakeDynamoDb(hooks: FakeDynamoHooks = {}, pageSize = 3) {
  const tables = new Map<string, Table>();
  const client = new DynamoDBClient({ region: "us-east-1", credentials: TEST_CREDENTIALS });
  const mock = mockClient(client);
  const table = (name: string | undefined) => {
    const found = tables.get(name ?? "");
    if (!found)
      throw Object.assign(new Error("Requested resource not found"), { name: "ResourceNotFoundException" });
    return found;
  };
  const keyOf = (t: Table, item: Item) => JSON.stringify([item[t.hash], t.range ? item[t.range] : null]);

  mock.on(ScanCommand).rejects(new Error("Scan is not allowed"));
  mock.on(GetItemCommand).callsFake((input) => {
    const t = table(input.TableName);
    const item = t.items.get(keyOf(t, input.Key as Item));
    return item ? { Item: structuredClone(item) } : {};
  });
  mock.on(PutItemCommand).callsFake((input) => {
    const t = table(input.TableName);
    const item = input.Item as Item;
    if (
      !holds(
        input.ConditionExpression,
        t.items.get(keyOf(t, item)),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    }
    t.items.set(keyOf(t, item), structuredClone(item));
    return {};
  });
  mock.on(DeleteItemCommand).callsFake((input) => {
    const t = table(input.TableName);
    t.items.delete(keyOf(t, input.Key as Item));
    return {};
  });
  mock.on(BatchWriteItemCommand).callsFake((input) => {
    for (const [name, requests] of Object.entries(input.RequestItems ?? {})) {
      const t = table(name);
      if ((requests as WriteRequest[]).length > 25)
        throw validation("Too many items requested for the BatchWriteItem call");
      for (const request of requests as WriteRequest[]) {
        if (request.PutRequest)
          t.items.set(
            keyOf(t, request.PutRequest.Item as Item),
            structuredClone(request.PutRequest.Item as Item),
          );
        if (request.DeleteRequest) t.items.delete(keyOf(t, request.DeleteRequest.Key as Item));
      }
    }
    return { UnprocessedItems: {} };
  });
  mock.on(QueryCommand).callsFake((input) => {
    const t = table(input.TableName);
    if (input.IndexName) throw new Error("the fake serves no index");
    const matching = [...t.items.values()]
      .filter((item) =>
        matchesKeyCondition(
          t,
          item,
          input.KeyConditionExpression ?? "",
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        ),
      )
      .sort((a, b) => compareValues(a[t.range!], b[t.range!]));
    if (input.ScanIndexForward === false) matching.reverse();
    const offset = Number(input.ExclusiveStartKey?.offset?.N ?? 0);
    const size = Math.min(pageSize, input.Limit ?? pageSize);
    const page = matching.slice(offset, offset + size);
    const next = offset + size;
    return {
      Items: structuredClone(page),
      Count: page.length,
      ...(next < matching.length ? { LastEvaluatedKey: { offset: { N: String(next) } } } : {}),
    };
  });
  mock.on(TransactGetItemsCommand).callsFake((input) => {
    const gets: TransactGetItem[] = input.TransactItems ?? [];
    if (gets.length > 100) throw validation("Member must have length less than or equal to 100");
    return {
      Responses: gets.map(({ Get }) => {
        const t = table(Get?.TableName);
        const item = t.items.get(keyOf(t, Get?.Key as Item));
        return item ? { Item: structuredClone(item) } : {};
      }),
    };
  });
  let writes = 0;
  mock.on(TransactWriteItemsCommand).callsFake(async (input) => {
    const call = ++writes;
    const actions: TransactWriteItem[] = input.TransactItems ?? [];
    if (actions.length > 100) throw validation("Member must have length less than or equal to 100");
    await hooks.beforeTransactWrite?.(call);
    const planned = actions.map((action) => {
      const op = action.Put ?? action.Delete ?? action.ConditionCheck ?? action.Update;
      if (action.Update) throw new Error("the fake does not evaluate update expressions");
      const t = table(op?.TableName);
      const key = action.Put ? keyOf(t, action.Put.Item as Item) : keyOf(t, (op as { Key: Item }).Key);
      const ok = holds(
        op?.ConditionExpression,
        t.items.get(key),
        op?.ExpressionAttributeNames,
        op?.ExpressionAttributeValues,
      );
      return { action, t, key, ok };
    });
    const seen = new Set(planned.map((p) => `${p.t.hash}|${p.key}`));
    if (seen.size !== planned.length) {
      throw validation("Transaction request cannot include multiple operations on one item");
    }
    if (planned.some((p) => !p.ok)) {
      const codes = planned.map((p) => (p.ok ? "None" : "ConditionalCheckFailed"));
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`,
        // A Put asking for ALL_OLD gets the item as it is when its condition fails.
        CancellationReasons: planned.map((p, i) => {
          const current = p.t.items.get(p.key);
          const old = !p.ok && p.action.Put?.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && current;
          return { Code: codes[i]!, ...(old ? { Item: structuredClone(current) } : {}) };
        }),
        $metadata: {},
      });
    }
    for (const { action, t, key } of planned) {
      if (action.Put) t.items.set(key, structuredClone(action.Put.Item as Item));
      if (action.Delete) t.items.delete(key);
    }
    await hooks.afterTransactWrite?.(call);
    return {};
  });

  return {
    client,
    mock,
    createTable(definition: {
      TableName: string;
      KeySchema: Array<{ AttributeName: string; KeyType: string }>;
      AttributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
    }) {
      const hash = definition.KeySchema.find((k) => k.KeyType === "HASH")!.AttributeName;
      const range = definition.KeySchema.find((k) => k.KeyType === "RANGE")?.AttributeName;
      const rangeType =
        definition.AttributeDefinitions.find((a) => a.AttributeName === range)?.AttributeType === "N"
          ? "N"
          : "S";
      tables.set(definition.TableName, { hash, ...(range ? { range } : {}), rangeType, items: new Map() });
    },
    items(tableName: string): Item[] {
      return [...table(tableName).items.values()].map((item) => structuredClone(item));
    },
    put(tableName: string, item: Item) {
      const t = table(tableName);
      t.items.set(keyOf(t, item), structuredClone(item));
    },
    transactWrites: () => writes,
  };
}

function validation(message: string) {
  return Object.assign(new Error(message), { name: "ValidationException" });
}

/** The condition forms the tracker writes: attribute_(not_)exists(#n) and #n = :v. */
function holds(condition: string | undefined, item: Item | undefined, names: Names, values: Values): boolean {
  if (!condition) return true;
  const name = (placeholder: string) => names?.[placeholder] ?? placeholder;
  let match = /^attribute_not_exists\((#\w+)\)$/.exec(condition);
  if (match) return item?.[name(match[1]!)] === undefined;
  match = /^attribute_exists\((#\w+)\)$/.exec(condition);
  if (match) return item?.[name(match[1]!)] !== undefined;
  match = /^(#\w+) = (:\w+)$/.exec(condition);
  if (match)
    return (
      item !== undefined &&
      compareValues(item[name(match[1]!)], values?.[match[2]!]) === 0 &&
      item[name(match[1]!)] !== undefined
    );
  throw new Error(`the fake cannot evaluate the condition ${condition}`);
}

function matchesKeyCondition(
  t: Table,
  item: Item,
  expression: string,
  names: Names,
  values: Values,
): boolean {
  const match =
    /^(#\w+) = (:\w+)(?: AND (?:(#\w+) BETWEEN (:\w+) AND (:\w+)|begins_with\((#\w+), (:\w+)\)|(#\w+) (>=|<=|<|>) (:\w+)))?$/.exec(
      expression,
    );
  if (!match) throw new Error(`the fake cannot evaluate the key condition ${expression}`);
  const name = (placeholder: string) => names?.[placeholder] ?? placeholder;
  if (name(match[1]!) !== t.hash || compareValues(item[t.hash], values?.[match[2]!]) !== 0) return false;
  const range = item[t.range ?? ""];
  if (match[3])
    return compareValues(range, values?.[match[4]!]) >= 0 && compareValues(range, values?.[match[5]!]) <= 0;
  if (match[6]) return (range?.S ?? "").startsWith(values?.[match[7]!]?.S ?? "");
  if (match[8]) {
    const order = compareValues(range, values?.[match[10]!]);
    return { ">=": order >= 0, "<=": order <= 0, "<": order < 0, ">": order > 0 }[match[9] as ">="];
  }
  return true;
}

/** DynamoDB orders strings by their UTF-8 bytes and numbers by value. */
function compareValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a?.N !== undefined && b?.N !== undefined) return Number(a.N) - Number(b.N);
  if (a?.S !== undefined && b?.S !== undefined) return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  if (a?.BOOL !== undefined && b?.BOOL !== undefined) return Number(a.BOOL) - Number(b.BOOL);
  return a === undefined && b === undefined ? 0 : Number.NaN;
}
