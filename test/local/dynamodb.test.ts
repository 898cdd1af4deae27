import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  TagResourceCommand,
} from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import {
  BUCKET_SIZE_INDEX,
  GLOBAL_SIZE_INDEX,
  historyTableDefinition,
  recordToItem,
} from "../../handlers/common/history.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";

const TABLE = "S3-object-size-history";

function record(bucketName: string, timestamp: number, totalSize: number): Record<string, AttributeValue> {
  return recordToItem({
    bucketName,
    timestamp,
    totalSize,
    objectCount: 1,
    recordedAt: new Date(timestamp).toISOString(),
  }) as Record<string, AttributeValue>;
}

describe("local DynamoDB (dynalite)", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
    await test.clients.dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
  });
  after(async () => test.stop());

  it("creates the history table with both indexes ACTIVE at once", async () => {
    const { Table } = await test.clients.dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table?.TableStatus).to.equal("ACTIVE");
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).to.deep.equal([
      BUCKET_SIZE_INDEX,
      GLOBAL_SIZE_INDEX,
    ]);
    expect(Table?.GlobalSecondaryIndexes?.every((index) => index.IndexStatus === "ACTIVE")).to.equal(true);
  });

  it("rejects a conditional put on an existing key with ConditionalCheckFailedException", async () => {
    const item = record("cond-bucket", 1000, 5);
    const put = () =>
      test.clients.dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: item,
          ConditionExpression: "attribute_not_exists(#ts)",
          ExpressionAttributeNames: { "#ts": "timestamp" },
        }),
      );
    await put();
    const error = await put().catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).$metadata.httpStatusCode).to.equal(400);
  });

  it("queries the table and both indexes, newest or largest first", async () => {
    for (const [bucket, timestamp, size] of [
      ["query-a", 1, 10],
      ["query-a", 2, 70],
      ["query-a", 3, 30],
      ["query-b", 1, 99],
    ] as const) {
      await test.clients.dynamodb.send(
        new PutItemCommand({ TableName: TABLE, Item: record(bucket, timestamp, size) }),
      );
    }
    const newest = await test.clients.dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: "query-a" } },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    expect(newest.Items?.[0]?.timestamp?.N).to.equal("3");

    const bucketMax = await test.clients.dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: BUCKET_SIZE_INDEX,
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: "query-a" } },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    expect(bucketMax.Items?.[0]?.total_size?.N).to.equal("70");

    const globalMax = await test.clients.dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: GLOBAL_SIZE_INDEX,
        KeyConditionExpression: "#all = :all",
        ExpressionAttributeNames: { "#all": "all" },
        ExpressionAttributeValues: { ":all": { S: "ALL" } },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    expect(globalMax.Items?.[0]?.bucket_name?.S).to.equal("query-b");
    expect(globalMax.Items?.[0]?.total_size?.N).to.equal("99");
  });

  it("pages a Query with LastEvaluatedKey until every item is read", async () => {
    for (let timestamp = 1; timestamp <= 7; timestamp++) {
      await test.clients.dynamodb.send(
        new PutItemCommand({ TableName: TABLE, Item: record("paged", timestamp, timestamp) }),
      );
    }
    const seen: string[] = [];
    let startKey: Record<string, never> | undefined;
    let pages = 0;
    do {
      const page = await test.clients.dynamodb.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: "bucket_name = :b",
          ExpressionAttributeValues: { ":b": { S: "paged" } },
          Limit: 3,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      pages += 1;
      seen.push(...(page.Items ?? []).map((item) => item.timestamp?.N ?? ""));
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey);
    expect(seen).to.deep.equal(["1", "2", "3", "4", "5", "6", "7"]);
    expect(pages).to.be.greaterThan(2);
  });

  it("tags a table and lists its tags", async () => {
    const { Table } = await test.clients.dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
    const arn = Table?.TableArn ?? "";
    await test.clients.dynamodb.send(
      new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "s3size:stack", Value: "demo" }] }),
    );
    const { Tags } = await test.clients.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    expect(Tags).to.deep.equal([{ Key: "s3size:stack", Value: "demo" }]);
  });

  it("raises ResourceNotFoundException for a table that does not exist", async () => {
    const error = await test.clients.dynamodb
      .send(new DescribeTableCommand({ TableName: "no-such-table" }))
      .catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).to.equal(400);
  });

  it("deletes a table, after which it is gone", async () => {
    await test.clients.dynamodb.send(new CreateTableCommand(historyTableDefinition("short-lived")));
    await test.clients.dynamodb.send(new DeleteTableCommand({ TableName: "short-lived" }));
    const error = await test.clients.dynamodb
      .send(new DescribeTableCommand({ TableName: "short-lived" }))
      .catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ResourceNotFoundException);
  });
});
