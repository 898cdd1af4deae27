import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createAwsClients, credentialsFor, isMutatingCommand } from "../../cli/aws-clients.ts";
import { resolveSettings, stackNames } from "../../cli/config.ts";
import {
  apiLink,
  bucketLink,
  functionLink,
  logGroupLink,
  stackLinks,
  tableItemsLink,
} from "../../cli/console-links.ts";

describe("console links", () => {
  it("point at each resource in its region", () => {
    expect(bucketLink("my-bucket", "eu-west-1")).to.equal(
      "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
    );
    expect(tableItemsLink("S3-object-size-history", "eu-west-1")).to.equal(
      "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1#item-explorer?table=S3-object-size-history",
    );
    expect(functionLink("s3size-driver", "us-east-1")).to.equal(
      "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/s3size-driver",
    );
    expect(apiLink("a1b2c3", "us-east-1")).to.equal(
      "https://us-east-1.console.aws.amazon.com/apigateway/main/apis/a1b2c3/resources?api=a1b2c3&region=us-east-1",
    );
  });

  it("escape log group names the way the CloudWatch console does", () => {
    expect(logGroupLink("/aws/lambda/s3size-driver", "eu-west-1")).to.equal(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fs3size-driver",
    );
  });

  it("cover every resource of the stack", () => {
    const names = stackNames(resolveSettings({ region: "eu-west-1" }, {}, "/tmp"), "123456789012");
    const links = stackLinks(names, "eu-west-1", "api123");
    expect(links.map((l) => l.what.split(" ")[0])).to.include.members([
      "data",
      "plot",
      "table",
      "function",
      "log",
      "role",
      "REST",
    ]);
    // Per function (tracker, plotting, driver, dashboard): the function, its log group and its role.
    expect(links).to.have.length(3 + 4 * 3 + 1);
    expect(links.map((l) => l.what)).to.include.members([
      "function s3size-web",
      "log group /aws/lambda/s3size-web",
      "role s3size-web-role",
    ]);
  });
});

describe("AWS clients", () => {
  it("read credentials from the standard chain, honouring the profile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3size-creds-"));
    const file = join(dir, "credentials");
    writeFileSync(
      file,
      "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n[grader]\naws_access_key_id = AKIAGRADER\naws_secret_access_key = s2\n",
    );
    const saved = { ...process.env };
    try {
      for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
        delete process.env[key];
      process.env.AWS_SHARED_CREDENTIALS_FILE = file;
      process.env.AWS_CONFIG_FILE = join(dir, "config-none");
      const provider = credentialsFor({
        region: "eu-west-1",
        profile: "grader",
        local: false,
      }) as () => Promise<{ accessKeyId: string }>;
      expect((await provider()).accessKeyId).to.equal("AKIAGRADER");
      const fallback = credentialsFor({ region: "eu-west-1", local: false }) as () => Promise<{
        accessKeyId: string;
      }>;
      expect((await fallback()).accessKeyId).to.equal("AKIADEFAULT");
    } finally {
      process.env = saved;
    }
  });

  it("use dummy keys on the local cloud, and build every client for the same endpoint and region", async () => {
    const clients = createAwsClients({ region: "eu-west-1", endpoint: "http://127.0.0.1:4566", local: true });
    expect(await clients.s3.config.region()).to.equal("eu-west-1");
    expect(clients.s3.config.forcePathStyle).to.equal(true);
    const endpoint = await clients.lambda.config.endpoint!();
    expect([endpoint.hostname, Number(endpoint.port)]).to.deep.equal(["127.0.0.1", 4566]);
    expect((await clients.sts.config.credentials()).accessKeyId).to.equal("test");
  });

  it("count only mutating commands as changes", () => {
    expect(
      ["GetRole", "ListObjectsV2", "HeadBucket", "DescribeTable", "Query", "FilterLogEvents"].filter(
        isMutatingCommand,
      ),
    ).to.deep.equal([]);
    expect(
      ["CreateBucket", "PutRolePolicy", "UpdateFunctionCode", "AddPermission", "TagResource"].every(
        isMutatingCommand,
      ),
    ).to.equal(true);
  });
});
