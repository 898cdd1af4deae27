// Issue 9: CloudWatch Logs and API Gateway keep each region apart, with the signed region in their ARNs;
// state from before regions is us-east-1's; ids a client makes up (`__proto__`) are only unknown ids.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateRestApiCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetTagsCommand,
} from "@aws-sdk/client-api-gateway";
import {
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { expect } from "chai";
import { createLogsService } from "../../local/logs.ts";
import { type CloudContext, DEFAULT_REALISM, LOCAL_ACCOUNT_ID } from "../../local/types.ts";
import { clientsFor, startTestCloud, type TestClients, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

describe("regions in CloudWatch Logs and API Gateway", () => {
  let test: TestCloud;
  let west: TestClients;
  before(async () => {
    test = await startTestCloud();
    west = clientsFor(test.cloud.endpoint, "us-west-2");
  });
  after(async () => {
    for (const client of Object.values(west)) client.destroy();
    await test.stop();
  });

  it("keeps log groups per region, with the region in their ARNs", async () => {
    await west.logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/lambda/regional" }));
    await test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/lambda/regional" }));
    await west.logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/lambda/west-only" }));
    const { logGroups } = await west.logs.send(new DescribeLogGroupsCommand({}));
    expect(logGroups?.map((group) => group.arn)).to.deep.equal([
      "arn:aws:logs:us-west-2:000000000000:log-group:/aws/lambda/regional:*",
      "arn:aws:logs:us-west-2:000000000000:log-group:/aws/lambda/west-only:*",
    ]);
    const east = await test.clients.logs.send(new DescribeLogGroupsCommand({}));
    expect(east.logGroups?.map((group) => group.logGroupName)).to.deep.equal(["/aws/lambda/regional"]);
  });

  it("keeps REST APIs per region: another region's API is not found", async () => {
    const { id } = await west.apigateway.send(new CreateRestApiCommand({ name: "west-api" }));
    expect(
      (await west.apigateway.send(new GetRestApisCommand({}))).items?.map((api) => api.id),
    ).to.deep.equal([id]);
    expect((await test.clients.apigateway.send(new GetRestApisCommand({}))).items ?? []).to.deep.equal([]);
    await expectError(
      test.clients.apigateway.send(new GetRestApiCommand({ restApiId: id })),
      "NotFoundException",
      404,
    );
    const tags = `arn:aws:apigateway:us-east-1::/restapis/${id}`;
    await expectError(
      west.apigateway.send(new GetTagsCommand({ resourceArn: tags })),
      "NotFoundException",
      404,
    );
    const own = await west.apigateway.send(
      new GetTagsCommand({ resourceArn: `arn:aws:apigateway:us-west-2::/restapis/${id}` }),
    );
    expect(own.tags).to.deep.equal({});
  });

  it("answers NotFound for ids named like Object's own properties, and keeps serving", async () => {
    for (const id of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      await expectError(
        test.clients.apigateway.send(new GetRestApiCommand({ restApiId: id })),
        "NotFoundException",
        404,
      );
    }
    const { id } = await test.clients.apigateway.send(new CreateRestApiCommand({ name: "prototype-proof" }));
    await expectError(
      test.clients.apigateway.send(new GetStageCommand({ restApiId: id, stageName: "constructor" })),
      "NotFoundException",
      404,
    );
    const served = await fetch(`${test.cloud.endpoint}/_aws/execute-api/__proto__/constructor/`);
    expect(served.status).to.equal(404);
  });
});

describe("Lambda's output in its region's logs", () => {
  it("writes events to the log group of the region the function lives in", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-logs-region-"));
    const ctx: CloudContext = {
      region: "us-east-1",
      accountId: LOCAL_ACCOUNT_ID,
      dataDir: join(stateDir, "local"),
      host: "127.0.0.1",
      endpoint: "",
      realism: { ...DEFAULT_REALISM },
      debug: () => {},
    };
    await createLogsService(ctx);
    ctx.logs!.putEvents("/aws/lambda/eu-fn", "stream", [{ timestamp: 1, message: "from eu" }], "eu-west-1");
    ctx.logs!.putEvents("/aws/lambda/us-fn", "stream", [{ timestamp: 1, message: "from default" }]);
    const test = await startTestCloud({ stateDir });
    const eu = clientsFor(test.cloud.endpoint, "eu-west-1");
    try {
      const { events } = await eu.logs.send(
        new GetLogEventsCommand({
          logGroupName: "/aws/lambda/eu-fn",
          logStreamName: "stream",
          startFromHead: true,
        }),
      );
      expect(events?.map((event) => event.message)).to.deep.equal(["from eu"]);
      const east = await test.clients.logs.send(new DescribeLogGroupsCommand({}));
      expect(east.logGroups?.map((group) => group.logGroupName)).to.deep.equal(["/aws/lambda/us-fn"]);
    } finally {
      for (const client of Object.values(eu)) client.destroy();
      await test.stop();
    }
  });
});

describe("Logs and API Gateway state from before regions", () => {
  it("serves an old single-region state dir as us-east-1's", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-regions-legacy-"));
    const data = join(stateDir, "local");
    mkdirSync(join(data, "logs", "0123456789abcdef01234567"), { recursive: true });
    writeFileSync(
      join(data, "logs", "groups.json"),
      JSON.stringify({
        groups: [
          {
            name: "/aws/lambda/old",
            creationTime: 1,
            tags: {},
            dir: "0123456789abcdef01234567",
            streams: [{ name: "s", creationTime: 1, file: "stream.jsonl" }],
          },
        ],
      }),
    );
    writeFileSync(
      join(data, "logs", "0123456789abcdef01234567", "stream.jsonl"),
      `${JSON.stringify({ timestamp: 5, message: "kept", ingestionTime: 6 })}\n`,
    );
    const api = {
      id: "oldapi0001",
      name: "old",
      createdDate: 1,
      binaryMediaTypes: [],
      apiKeySource: "HEADER",
      endpointConfiguration: { types: ["EDGE"] },
      disableExecuteApiEndpoint: false,
      rootResourceId: "root000001",
      tags: {},
      resources: { root000001: { id: "root000001", path: "/", resourceMethods: {} } },
      deployments: {},
      stages: {},
    };
    writeFileSync(join(data, "apigateway.json"), JSON.stringify({ apis: { oldapi0001: api } }));
    const test = await startTestCloud({ stateDir });
    try {
      const { events } = await test.clients.logs.send(
        new GetLogEventsCommand({ logGroupName: "/aws/lambda/old", logStreamName: "s", startFromHead: true }),
      );
      expect(events?.map((event) => event.message)).to.deep.equal(["kept"]);
      const { name } = await test.clients.apigateway.send(new GetRestApiCommand({ restApiId: "oldapi0001" }));
      expect(name).to.equal("old");
    } finally {
      await test.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe("CloudWatch Logs tags named like Object's own properties", () => {
  it("keeps a tag called __proto__ as a tag", async () => {
    const test = await startTestCloud();
    try {
      const tags: Record<string, string> = JSON.parse('{"__proto__": "x", "constructor": "y", "team": "z"}');
      const resourceArn = "arn:aws:logs:us-east-1:000000000000:log-group:/proto/tags";
      await test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: "/proto/tags" }));
      await test.clients.logs.send(new TagResourceCommand({ resourceArn, tags }));
      const listed = await test.clients.logs.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(listed.tags).to.deep.equal(tags);
    } finally {
      await test.stop();
    }
  });
});
