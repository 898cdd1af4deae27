// A tracker in incremental mode over the in-memory DynamoDB and S3 fakes, with a controllable clock and
// the helpers the tests read results with.
import { historyTableDefinition, itemToRecord } from "../../handlers/common/history.ts";
import { createTrackingHandler } from "../../handlers/size-tracking.ts";
import { itemToTotal } from "../../handlers/tracking/object-index/items.ts";
import { indexTableDefinition, TOTAL_SORT_KEY } from "../../handlers/tracking/object-index/keys.ts";
import { type FakeDynamoHooks, fakeDynamoDb } from "./fake-dynamodb.ts";
import { fakeS3 } from "./tracking-fixtures.ts";

export const HISTORY = "history";
export const INDEX = "index";

export function incrementalTracker(
  options: { hooks?: FakeDynamoHooks; pageSize?: number; start?: number } = {},
) {
  const dynamo = fakeDynamoDb(options.hooks, options.pageSize);
  dynamo.createTable(historyTableDefinition(HISTORY));
  dynamo.createTable(indexTableDefinition(INDEX));
  const s3 = fakeS3(options.pageSize);
  let clock = options.start ?? 1_000_000;
  const lines: Array<Record<string, unknown>> = [];
  const handler = createTrackingHandler({
    clients: () => ({ s3: s3.client, dynamodb: dynamo.client }),
    env: { HISTORY_TABLE: HISTORY, S3SIZE_TRACKING: "incremental", INDEX_TABLE: INDEX },
    now: () => clock++,
    sleep: async () => {},
    log: (line) => lines.push(JSON.parse(line)),
  });
  return {
    handler,
    dynamo,
    s3,
    lines,
    /** The history records, oldest first. */
    records: () =>
      dynamo
        .items(HISTORY)
        .map(itemToRecord)
        .sort((a, b) => a.timestamp - b.timestamp),
    total: (bucket = "data") => {
      const item = dynamo
        .items(INDEX)
        .find((i) => i.bucket_name?.S === bucket && i.item_key?.S === TOTAL_SORT_KEY);
      return item ? itemToTotal(item) : undefined;
    },
    indexItems: (bucket = "data") => dynamo.items(INDEX).filter((i) => i.bucket_name?.S === bucket),
    setClock: (ms: number) => {
      clock = ms;
    },
  };
}
