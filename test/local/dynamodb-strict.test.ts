// Issue 9's DynamoDB divergences: tables per region, UpdateTable adding and removing indexes as AWS does,
// AWS's error messages, and single-region state converted to us-east-1's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { clientConfig } from "../../handlers/common/aws.ts";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { startTestCloud, TEST_CREDENTIALS, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

const simpleTable = (name: string) =>
  new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });

function dynamodbIn(test: TestCloud, region: string): DynamoDBClient {
  return new DynamoDBClient(
    clientConfig(
      { endpoint: test.cloud.endpoint, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 },
      {},
    ),
  );
}

async function waitForIndex(
  client: DynamoDBClient,
  table: string,
  index: string,
  status: string | undefined,
) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const found = Table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index);
    if (found?.IndexStatus === status && Table?.TableStatus === "ACTIVE") return Table;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`index ${index} never reached ${status}`);
}

describe("local DynamoDB is strict like AWS", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud({ realism: { indexBackfillMs: 300 } });
  });
  after(() => test.stop());

  it("keeps each region's tables apart, with the region in their ARNs", async () => {
    const west = dynamodbIn(test, "us-west-2");
    const east = test.clients.dynamodb;
    try {
      const created = await west.send(simpleTable("regional"));
      expect(created.TableDescription?.TableArn).to.equal(
        "arn:aws:dynamodb:us-west-2:000000000000:table/regional",
      );
      // The same name is free in us-east-1, and each region lists only its own.
      const again = await east.send(simpleTable("regional"));
      expect(again.TableDescription?.TableArn).to.equal(
        "arn:aws:dynamodb:us-east-1:000000000000:table/regional",
      );
      await west.send(simpleTable("west-only"));
      expect((await east.send(new ListTablesCommand({}))).TableNames).to.not.include("west-only");
      expect((await west.send(new ListTablesCommand({}))).TableNames).to.deep.equal([
        "regional",
        "west-only",
      ]);
      await west.send(new PutItemCommand({ TableName: "regional", Item: { pk: { S: "only-west" } } }));
      const { Count } = await east.send(
        new QueryCommand({
          TableName: "regional",
          KeyConditionExpression: "pk = :k",
          ExpressionAttributeValues: { ":k": { S: "only-west" } },
        }),
      );
      expect(Count).to.equal(0);
    } finally {
      west.destroy();
    }
  });

  it("has every new table ACTIVE for the very next request, and every deleted one gone", async () => {
    const { dynamodb } = test.clients;
    for (let round = 0; round < 20; round += 1) {
      const name = `at-once-${round}`;
      await dynamodb.send(simpleTable(name));
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus, name).to.equal("ACTIVE");
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
      await expectError(
        dynamodb.send(new DescribeTableCommand({ TableName: name })),
        "ResourceNotFoundException",
        400,
      );
    }
  });

  it("answers CreateTable on an existing table with ResourceInUseException naming the table", async () => {
    await test.clients.dynamodb.send(simpleTable("taken"));
    const error = await expectError(
      test.clients.dynamodb.send(simpleTable("taken")),
      "ResourceInUseException",
      400,
    );
    expect(error.message).to.equal("Table already exists: taken");
  });

  it("refuses a request signed for a region that does not exist, before any path is built from it", async () => {
    const nowhere = dynamodbIn(test, "localhost");
    try {
      const error = await expectError(
        nowhere.send(new ListTablesCommand({})),
        "InvalidSignatureException",
        400,
      );
      expect(error.message).to.equal("Credential should be scoped to a valid region, not 'localhost'.");
    } finally {
      nowhere.destroy();
    }
    const response = await fetch(test.cloud.endpoint, {
      method: "POST",
      headers: {
        authorization:
          "AWS4-HMAC-SHA256 Credential=test/20260101/../dynamodb/aws4_request, SignedHeaders=host, Signature=x",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
    });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as { __type: string }).__type).to.match(/InvalidSignatureException$/);
  });

  it("creates a global secondary index with UpdateTable: backfilled, CREATING, then ACTIVE and queryable", async () => {
    const { dynamodb } = test.clients;
    await dynamodb.send(simpleTable("scores"));
    for (const [pk, game, score] of [
      ["alice", "chess", "10"],
      ["bob", "chess", "30"],
      ["carol", "go", "20"],
    ] as const) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: "scores",
          Item: { pk: { S: pk }, game: { S: game }, score: { N: score } },
        }),
      );
    }
    const { TableDescription } = await dynamodb.send(
      new UpdateTableCommand({
        TableName: "scores",
        AttributeDefinitions: [
          { AttributeName: "game", AttributeType: "S" },
          { AttributeName: "score", AttributeType: "N" },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: "by_game",
              KeySchema: [
                { AttributeName: "game", KeyType: "HASH" },
                { AttributeName: "score", KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "ALL" },
            },
          },
        ],
      }),
    );
    expect(TableDescription?.TableStatus).to.equal("UPDATING");
    const creating = TableDescription?.GlobalSecondaryIndexes?.[0];
    expect(creating?.IndexStatus).to.equal("CREATING");
    expect(creating?.Backfilling).to.equal(true);
    expect(creating?.IndexArn).to.equal("arn:aws:dynamodb:us-east-1:000000000000:table/scores/index/by_game");
    const byGame = new QueryCommand({
      TableName: "scores",
      IndexName: "by_game",
      KeyConditionExpression: "game = :g",
      ExpressionAttributeValues: { ":g": { S: "chess" } },
      ScanIndexForward: false,
    });
    const early = await expectError(dynamodb.send(byGame), "ValidationException", 400);
    expect(early.message).to.equal("Cannot read from backfilling global secondary index: by_game");

    // An item written while the index builds is indexed too.
    await dynamodb.send(
      new PutItemCommand({
        TableName: "scores",
        Item: { pk: { S: "dave" }, game: { S: "chess" }, score: { N: "20" } },
      }),
    );
    const table = await waitForIndex(dynamodb, "scores", "by_game", "ACTIVE");
    expect(table.AttributeDefinitions?.map((definition) => definition.AttributeName).sort()).to.deep.equal([
      "game",
      "pk",
      "score",
    ]);
    const { Items } = await dynamodb.send(byGame);
    expect(Items?.map((item) => item.pk?.S)).to.deep.equal(["bob", "dave", "alice"]);
  });

  it("refuses another index change while one is in progress, then deletes the index", async () => {
    const { dynamodb } = test.clients;
    const remove = new UpdateTableCommand({
      TableName: "scores",
      GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: "by_game" } }],
    });
    const { TableDescription } = await dynamodb.send(remove);
    expect(TableDescription?.GlobalSecondaryIndexes?.[0]?.IndexStatus).to.equal("DELETING");
    const busy = await expectError(dynamodb.send(remove), "ResourceInUseException", 400);
    expect(busy.message).to.equal(
      "Attempt to change a resource which is still in use: Index is being updated.  Table: scores Index: by_game",
    );
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: "scores" }));
      if (!Table?.GlobalSecondaryIndexes && Table?.TableStatus === "ACTIVE") {
        expect(Table.AttributeDefinitions).to.deep.equal([{ AttributeName: "pk", AttributeType: "S" }]);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("the index was never deleted");
  });

  it("refuses an index whose key has no attribute definition, and throughput on an on-demand table", async () => {
    const { dynamodb } = test.clients;
    const undefinedKey = await expectError(
      dynamodb.send(
        new UpdateTableCommand({
          TableName: "scores",
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: "by_level",
                KeySchema: [{ AttributeName: "level", KeyType: "HASH" }],
                Projection: { ProjectionType: "KEYS_ONLY" },
              },
            },
          ],
        }),
      ),
      "ValidationException",
      400,
    );
    expect(undefinedKey.message).to.equal("Invalid KeySchema: Some index key attribute have no definition");
    const withThroughput = await expectError(
      dynamodb.send(
        new UpdateTableCommand({
          TableName: "scores",
          AttributeDefinitions: [{ AttributeName: "level", AttributeType: "N" }],
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: "by_level",
                KeySchema: [{ AttributeName: "level", KeyType: "HASH" }],
                Projection: { ProjectionType: "KEYS_ONLY" },
                ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
              },
            },
          ],
        }),
      ),
      "ValidationException",
      400,
    );
    expect(withThroughput.message).to.equal(
      "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
    );
  });

  it("updates the history table's indexes the way a student's table script does", async () => {
    const { dynamodb } = test.clients;
    const definition = historyTableDefinition("history-upgrade");
    const [bucketIndex, globalIndex] = definition.GlobalSecondaryIndexes!;
    await dynamodb.send(new CreateTableCommand({ ...definition, GlobalSecondaryIndexes: [bucketIndex!] }));
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: "history-upgrade",
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex! }],
      }),
    );
    const table = await waitForIndex(dynamodb, "history-upgrade", globalIndex!.IndexName!, "ACTIVE");
    expect(table.GlobalSecondaryIndexes?.map((index) => index.IndexStatus)).to.deep.equal([
      "ACTIVE",
      "ACTIVE",
    ]);
    await dynamodb.send(new DeleteTableCommand({ TableName: "history-upgrade" }));
  });
});

describe("local DynamoDB state from before regions", () => {
  it("finishes an index build cut short by a restart", async () => {
    const first = await startTestCloud({ realism: { indexBackfillMs: 60_000 } });
    await first.clients.dynamodb.send(simpleTable("interrupted"));
    await first.clients.dynamodb.send(
      new UpdateTableCommand({
        TableName: "interrupted",
        AttributeDefinitions: [{ AttributeName: "sk", AttributeType: "S" }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: "by_sk",
              KeySchema: [{ AttributeName: "sk", KeyType: "HASH" }],
              Projection: { ProjectionType: "ALL" },
            },
          },
        ],
      }),
    );
    await first.stop(false);
    const second = await startTestCloud({ stateDir: first.stateDir, realism: { indexBackfillMs: 0 } });
    try {
      await waitForIndex(second.clients.dynamodb, "interrupted", "by_sk", "ACTIVE");
    } finally {
      await second.stop();
    }
  });

  it("serves a single-region state dir's tables as us-east-1's", async () => {
    // The layout before regions: dynalite's LevelDB directly in <state>/local/dynamodb.
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-dynamodb-legacy-"));
    const { createRequire } = await import("node:module");
    const dynalite = createRequire(import.meta.url)("dynalite") as (
      options: object,
    ) => import("node:http").Server;
    const server = dynalite({ path: join(stateDir, "local", "dynamodb"), createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as import("node:net").AddressInfo).port;
    const old = new DynamoDBClient(
      clientConfig(
        {
          endpoint: `http://127.0.0.1:${port}`,
          region: "us-east-1",
          credentials: TEST_CREDENTIALS,
          maxAttempts: 1,
        },
        {},
      ),
    );
    await old.send(simpleTable("kept"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await old.send(new PutItemCommand({ TableName: "kept", Item: { pk: { S: "still-here" } } }));
    old.destroy();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );

    const test = await startTestCloud({ stateDir });
    try {
      const { Count } = await test.clients.dynamodb.send(
        new QueryCommand({
          TableName: "kept",
          KeyConditionExpression: "pk = :k",
          ExpressionAttributeValues: { ":k": { S: "still-here" } },
        }),
      );
      expect(Count).to.equal(1);
      const west = dynamodbIn(test, "us-west-2");
      try {
        expect((await west.send(new ListTablesCommand({}))).TableNames).to.deep.equal([]);
      } finally {
        west.destroy();
      }
    } finally {
      await test.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
