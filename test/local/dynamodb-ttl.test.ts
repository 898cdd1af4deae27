// DynamoDB's Time to Live settings on the local cloud: stored with the table, refused as AWS refuses
// them (not idempotent, validated before the table is looked up), and never shown by DescribeTable.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

describe("local DynamoDB: Time to Live settings", function () {
  this.timeout(30_000);
  let test: TestCloud;
  const createTable = (name: string) =>
    test.clients.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  const update = (table: string, Enabled: boolean, AttributeName = "expires_at") =>
    test.clients.dynamodb.send(
      new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled, AttributeName } }),
    );
  const describe = async (table: string) =>
    (await test.clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table })))
      .TimeToLiveDescription;

  before(async () => {
    test = await startTestCloud();
  });
  after(async () => {
    await test?.stop();
  });

  it("describes a new table's TTL as DISABLED with no attribute", async () => {
    await createTable("fresh");
    expect(await describe("fresh")).to.deep.equal({ TimeToLiveStatus: "DISABLED" });
  });

  it("enables TTL on an attribute, echoes the specification, and keeps it out of DescribeTable", async () => {
    await createTable("ttl");
    const answer = await update("ttl", true);
    expect(answer.TimeToLiveSpecification).to.deep.equal({ Enabled: true, AttributeName: "expires_at" });
    expect(await describe("ttl")).to.deep.equal({ TimeToLiveStatus: "ENABLED", AttributeName: "expires_at" });
    const { Table } = await test.clients.dynamodb.send(new DescribeTableCommand({ TableName: "ttl" }));
    expect(Object.keys(Table!)).not.to.include("s3sizeTimeToLive");
  });

  it("refuses to enable it twice or on another attribute, and to disable it twice", async () => {
    await createTable("twice");
    await update("twice", true);
    const again = await expectError(update("twice", true), "ValidationException", 400);
    expect(again.message).to.equal("TimeToLive is already enabled");
    await expectError(update("twice", true, "other"), "ValidationException", 400);
    expect(await describe("twice")).to.deep.equal({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expires_at",
    });
    await update("twice", false);
    expect(await describe("twice")).to.deep.equal({ TimeToLiveStatus: "DISABLED" });
    const off = await expectError(update("twice", false), "ValidationException", 400);
    expect(off.message).to.equal("TimeToLive is already disabled");
  });

  it("validates the specification before looking for the table, then answers ResourceNotFound", async () => {
    const missing = await expectError(
      test.clients.dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: "no-such-table",
          TimeToLiveSpecification: { Enabled: true } as never,
        }),
      ),
      "ValidationException",
      400,
    );
    expect(missing.message).to.include("timeToLiveSpecification.attributeName");
    await expectError(update("no-such-table", true), "ResourceNotFoundException", 400);
    const long = await expectError(update("fresh", true, "a".repeat(256)), "ValidationException", 400);
    expect(long.message).to.include("less than or equal to 255");
  });

  it("forgets the setting with the table: a table created again under the name starts DISABLED", async () => {
    await createTable("gone");
    await update("gone", true);
    await test.clients.dynamodb.send(new DeleteTableCommand({ TableName: "gone" }));
    await createTable("gone");
    expect(await describe("gone")).to.deep.equal({ TimeToLiveStatus: "DISABLED" });
  });
});
