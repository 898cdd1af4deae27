import {
  type AttributeValue,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const table = (TableName: string) => ({
  TableName,
  BillingMode: "PAY_PER_REQUEST" as const,
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" as const },
    { AttributeName: "sk", AttributeType: "S" as const },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" as const },
    { AttributeName: "sk", KeyType: "RANGE" as const },
  ],
});

describe("local DynamoDB transactions", () => {
  let test: TestCloud;
  const send = <T>(command: T) =>
    test.clients.dynamodb.send(command as never) as unknown as Promise<Record<string, unknown>>;
  before(async () => {
    test = await startTestCloud();
    await send(new CreateTableCommand(table("tx-a")));
    await send(new CreateTableCommand(table("tx-b")));
  });
  after(async () => test.stop());

  it("writes items in two tables together and reads them back together", async () => {
    await send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: "tx-a", Item: { ...key("p", "1"), n: { N: "1" } } } },
          { Put: { TableName: "tx-b", Item: { ...key("p", "1"), n: { N: "2" } } } },
          {
            Update: {
              TableName: "tx-a",
              Key: key("p", "2"),
              UpdateExpression: "SET #n = :n",
              ConditionExpression: "attribute_not_exists(#k)",
              ExpressionAttributeNames: { "#n": "n", "#k": "pk" },
              ExpressionAttributeValues: { ":n": { N: "3" } },
            },
          },
        ],
      }),
    );
    const read = (await send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: "tx-a", Key: key("p", "1") } },
          { Get: { TableName: "tx-b", Key: key("p", "1") } },
          { Get: { TableName: "tx-a", Key: key("p", "2") } },
          { Get: { TableName: "tx-a", Key: key("p", "missing") } },
        ],
      }),
    )) as { Responses: Array<{ Item?: Record<string, AttributeValue> }> };
    expect(read.Responses.map((r) => r.Item?.n?.N)).to.deep.equal(["1", "2", "3", undefined]);
  });

  it("cancels the whole transaction when one condition fails, with DynamoDB's reasons in order", async () => {
    await send(new PutItemCommand({ TableName: "tx-a", Item: { ...key("c", "1"), rev: { N: "5" } } }));
    const error = await send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: "tx-b", Item: { ...key("c", "new"), n: { N: "1" } } } },
          {
            ConditionCheck: {
              TableName: "tx-a",
              Key: key("c", "1"),
              ConditionExpression: "#r = :r",
              ExpressionAttributeNames: { "#r": "rev" },
              ExpressionAttributeValues: { ":r": { N: "4" } },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
    ).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransactionCanceledException);
    const cancelled = error as TransactionCanceledException;
    expect(cancelled.message).to.equal(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
    );
    expect(cancelled.CancellationReasons?.map((r) => r.Code)).to.deep.equal([
      "None",
      "ConditionalCheckFailed",
    ]);
    expect(cancelled.CancellationReasons?.[1]?.Item?.rev?.N).to.equal("5");
    const untouched = await send(new GetItemCommand({ TableName: "tx-b", Key: key("c", "new") }));
    expect(untouched.Item).to.equal(undefined);
  });

  it("refuses two operations on one item, more than 100 items, and an item with two actions", async () => {
    const twice = await send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: "tx-a", Item: key("d", "1") } },
          { Delete: { TableName: "tx-a", Key: key("d", "1") } },
        ],
      }),
    ).catch((e: Error) => e);
    expect(twice).to.include({
      name: "ValidationException",
      message: "Transaction request cannot include multiple operations on one item",
    });
    const many = await send(
      new TransactWriteItemsCommand({
        TransactItems: Array.from({ length: 101 }, (_, i) => ({
          Put: { TableName: "tx-a", Item: key("m", String(i)) },
        })),
      }),
    ).catch((e: Error) => e);
    expect((many as Error).name).to.equal("ValidationException");
    expect((many as Error).message).to.match(/Member must have length less than or equal to 100/);
    const both = await send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: { TableName: "tx-a", Item: key("e", "1") },
            Delete: { TableName: "tx-a", Key: key("e", "1") },
          },
        ],
      }),
    ).catch((e: Error) => e);
    expect((both as Error).message).to.equal(
      "TransactItems can only contain one of Check, Put, Update or Delete",
    );
    const missing = await send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: "no-such-table", Item: key("e", "1") } }],
      }),
    ).catch((e: Error) => e);
    expect((missing as Error).name).to.equal("ResourceNotFoundException");
  });

  it("answers a repeated client token without applying the transaction again", async () => {
    const write = () =>
      send(
        new TransactWriteItemsCommand({
          ClientRequestToken: "token-1",
          TransactItems: [
            {
              Put: {
                TableName: "tx-a",
                Item: { ...key("t", "1"), n: { N: "1" } },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
    await write();
    await write();
    const other = await send(
      new TransactWriteItemsCommand({
        ClientRequestToken: "token-1",
        TransactItems: [{ Put: { TableName: "tx-a", Item: key("t", "2") } }],
      }),
    ).catch((e: Error) => e);
    expect((other as Error).name).to.equal("IdempotentParameterMismatchException");
  });

  it("authorizes each item's own action: a role without dynamodb:ConditionCheckItem is refused the check", async () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
      ],
    };
    const { Role } = await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "tx-writer", AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
    await test.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "tx-writer",
        PolicyName: "writes",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["dynamodb:PutItem", "dynamodb:GetItem"],
              Resource: [tableArn("tx-a"), tableArn("tx-b")],
            },
          ],
        }),
      }),
    );
    const { Credentials } = await test.clients.sts.send(
      new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "tx-session" }),
    );
    const role = clientsFor(test.cloud.endpoint, "us-east-1", {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    });
    try {
      await role.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: "tx-b", Item: key("r", "1") } }],
        }),
      );
      await role.dynamodb.send(
        new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: "tx-b", Key: key("r", "1") } }] }),
      );
      const denied = await role.dynamodb
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: "tx-b", Item: key("r", "2") } },
              {
                ConditionCheck: {
                  TableName: "tx-a",
                  Key: key("r", "1"),
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        )
        .catch((e: Error) => e);
      expect((denied as Error).name).to.equal("AccessDeniedException");
      expect((denied as Error).message).to.match(
        /not authorized to perform: dynamodb:ConditionCheckItem on resource: .*table\/tx-a/,
      );
    } finally {
      for (const client of Object.values(role)) client.destroy();
    }
  });

  it("loses no update when twelve writers race on one counter, each conditioned on what it read", async () => {
    await send(new PutItemCommand({ TableName: "tx-a", Item: { ...key("counter", "1"), rev: { N: "0" } } }));
    const increment = async () => {
      for (;;) {
        const read = (await send(
          new TransactGetItemsCommand({
            TransactItems: [{ Get: { TableName: "tx-a", Key: key("counter", "1") } }],
          }),
        )) as {
          Responses: Array<{ Item: Record<string, AttributeValue> }>;
        };
        const rev = Number(read.Responses[0]!.Item.rev!.N);
        try {
          await send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: "tx-a",
                    Item: { ...key("counter", "1"), rev: { N: String(rev + 1) } },
                    ConditionExpression: "#r = :r",
                    ExpressionAttributeNames: { "#r": "rev" },
                    ExpressionAttributeValues: { ":r": { N: String(rev) } },
                  },
                },
              ],
            }),
          );
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, increment));
    const final = await send(new GetItemCommand({ TableName: "tx-a", Key: key("counter", "1") }));
    expect((final.Item as Record<string, AttributeValue>).rev!.N).to.equal("12");
  });
});
