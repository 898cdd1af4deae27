// An in-memory history table behind a mocked DynamoDBClient: answers the Query and PutItem shapes
// the handlers send, pages results in tiny pages (and starts with an empty page on request) so a
// reader that ignores LastEvaluatedKey gets wrong answers, and refuses Scan outright.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { type HistoryRecord, type Item, itemToRecord, recordToItem } from "../../handlers/common/history.ts";

export const TEST_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };

export interface FakeTableOptions {
  pageSize?: number;
  /** Every Query's first page is empty but has a LastEvaluatedKey, as a 1 MB-limited read can be. */
  emptyFirstPage?: boolean;
}

export function fakeHistoryTable(records: HistoryRecord[] = [], options: FakeTableOptions = {}) {
  const items: Item[] = records.map(recordToItem);
  const client = new DynamoDBClient({ region: "us-east-1", credentials: TEST_CREDENTIALS });
  const mock = mockClient(client);
  const pageSize = options.pageSize ?? 2;
  mock.on(ScanCommand).rejects(new Error("Scan is not allowed"));
  mock.on(PutItemCommand).callsFake((input) => {
    const item = input.Item as Item;
    const taken = items.some(
      (i) => i.bucket_name?.S === item.bucket_name?.S && i.timestamp?.N === item.timestamp?.N,
    );
    if (taken && input.ConditionExpression) {
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    }
    items.push(item);
    return {};
  });
  let queries = 0;
  mock.on(QueryCommand).callsFake((input) => {
    // A reader stuck on one page would otherwise loop for ever and take the test run down with it.
    if (++queries > 500) throw new Error("more than 500 Query calls: a pagination loop does not advance");
    const matching = runQuery(items, input);
    const offset = Number(input.ExclusiveStartKey?.offset?.N ?? 0);
    const firstCall = input.ExclusiveStartKey === undefined;
    if (options.emptyFirstPage && firstCall && matching.length > 0) {
      return { Items: [], Count: 0, LastEvaluatedKey: { offset: { N: "0" } } };
    }
    const size = Math.min(pageSize, input.Limit ?? pageSize);
    const page = matching.slice(offset, offset + size);
    const next = offset + size;
    return {
      Items: page,
      Count: page.length,
      ...(next < matching.length ? { LastEvaluatedKey: { offset: { N: String(next) } } } : {}),
    };
  });
  return {
    client,
    mock,
    records: () => items.map(itemToRecord),
    add: (record: HistoryRecord) => items.push(recordToItem(record)),
  };
}

const KEY_CONDITION = /^(#\w+) = (:\w+)(?: AND (#\w+) (?:BETWEEN (:\w+) AND (:\w+)|(>=|<=|<|>) (:\w+)))?$/;

function runQuery(items: Item[], input: QueryCommand["input"]): Item[] {
  const match = KEY_CONDITION.exec(input.KeyConditionExpression ?? "");
  if (!match) throw new Error(`fake table cannot evaluate ${input.KeyConditionExpression}`);
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const partition = names[match[1]!]!;
  const partitionValue = values[match[2]!]!.S;
  const sortAttribute = input.IndexName ? "total_size" : "timestamp";
  const num = (v: AttributeValue | undefined) => Number(v?.N);
  const inRange = (item: Item) => {
    if (!match[3]) return true;
    if (names[match[3]] !== sortAttribute) throw new Error("sort condition on a non-sort attribute");
    const x = Number(item[sortAttribute]?.N);
    if (match[4]) return x >= num(values[match[4]]) && x <= num(values[match[5]!]);
    const bound = num(values[match[7]!]);
    return { ">=": x >= bound, "<=": x <= bound, "<": x < bound, ">": x > bound }[match[6] as ">="];
  };
  const sorted = items
    .filter((item) => item[partition]?.S === partitionValue && inRange(item))
    .sort((a, b) => Number(a[sortAttribute]?.N) - Number(b[sortAttribute]?.N));
  return input.ScanIndexForward === false ? sorted.reverse() : sorted;
}
