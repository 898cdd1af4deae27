// Region, profile, credentials and endpoints from AWS's own configuration, with the AWS CLI's
// precedence, read from real config files in a temporary HOME.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect } from "chai";
import {
  credentialsFromEnvironment,
  loadAwsProfile,
  profileName,
  resolveEndpoint,
  resolveRegion,
} from "../../cli/aws-config.ts";
import { UserError } from "../../cli/errors.ts";
import { Output } from "../../cli/output.ts";
import { Session } from "../../cli/session.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { bareEnv, runProcess } from "./run-process.ts";

const CONFIG = `
[default]
region = ap-south-1

[profile grader]
region = eu-west-1

[profile endpoints]
region = eu-central-1
endpoint_url = http://profile.example:4566
services = local-services

[services local-services]
s3 =
  endpoint_url = http://s3.example:9000
api_gateway =
  endpoint_url = http://apigw.example:4567

[profile broken]
services = nowhere

[profile ignoring]
endpoint_url = http://profile.example:4566
ignore_configured_endpoint_urls = true
`;

function home(
  config = CONFIG,
  credentials = "[grader]\naws_access_key_id = AKIAGRADER\naws_secret_access_key = s\n",
) {
  const dir = mkdtempSync(join(tmpdir(), "s3size-aws-config-"));
  writeFileSync(join(dir, "config"), config);
  writeFileSync(join(dir, "credentials"), credentials);
  return {
    dir,
    env: {
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    } as NodeJS.ProcessEnv,
  };
}

describe("AWS configuration: region and profile", () => {
  it("takes the region of the profile --profile names (the grader's eu-west-1, not us-east-1)", async () => {
    const { env } = home();
    const profile = await loadAwsProfile({ profile: "grader" }, env);
    expect(resolveRegion({ profile: "grader" }, env, profile)).to.deep.equal({
      value: "eu-west-1",
      source: "profile grader",
    });
  });

  it("ranks --region over AWS_REGION over AWS_DEFAULT_REGION over the profile over us-east-1", async () => {
    const { env } = home();
    const profile = await loadAwsProfile({ profile: "grader" }, env);
    const region = (flags: { region?: string }, extra: NodeJS.ProcessEnv) =>
      resolveRegion({ profile: "grader", ...flags }, { ...env, ...extra }, profile).value;
    const all = { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "sa-east-1" };
    expect(region({ region: "ca-central-1" }, all)).to.equal("ca-central-1");
    expect(region({}, all)).to.equal("us-west-2");
    expect(region({}, { AWS_DEFAULT_REGION: "sa-east-1" })).to.equal("sa-east-1");
    expect(region({}, {})).to.equal("eu-west-1");
    const none = await loadAwsProfile({}, { HOME: env.HOME, AWS_CONFIG_FILE: join(env.HOME!, "none") });
    expect(resolveRegion({}, {}, none)).to.deep.equal({ value: "us-east-1", source: "default" });
  });

  it("picks the profile from --profile, then AWS_PROFILE, then default", async () => {
    const { env } = home();
    expect(profileName({ profile: "grader" }, { AWS_PROFILE: "endpoints" })).to.deep.equal({
      value: "grader",
      source: "--profile",
    });
    const fromEnv = await loadAwsProfile({}, { ...env, AWS_PROFILE: "grader" });
    expect([fromEnv.name, fromEnv.source, fromEnv.settings.region]).to.deep.equal([
      "grader",
      "AWS_PROFILE",
      "eu-west-1",
    ]);
    const fallback = await loadAwsProfile({}, env);
    expect([fallback.name, fallback.settings.region]).to.deep.equal(["default", "ap-south-1"]);
  });

  it("refuses a profile that is in neither file in one line, naming both files and the profiles there", async () => {
    const { env, dir } = home();
    const error = await loadAwsProfile({ profile: "nosuchprofile" }, env).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UserError);
    expect((error as UserError).message).to.equal(
      `profile "nosuchprofile" (--profile) is not in ${join(dir, "config")} or ${join(dir, "credentials")}`,
    );
    expect((error as UserError).hint).to.equal(
      "create it with: aws configure --profile nosuchprofile (profiles there: broken, default, endpoints, grader, ignoring)",
    );
  });

  it("lets static keys in the environment win over AWS_PROFILE but not over --profile, as the AWS CLI does", () => {
    const keys = { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" };
    expect(credentialsFromEnvironment({ value: "grader", source: "AWS_PROFILE" }, keys)).to.equal(true);
    expect(credentialsFromEnvironment({ value: "grader", source: "--profile" }, keys)).to.equal(false);
    expect(credentialsFromEnvironment({ value: "default", source: "default" }, {})).to.equal(false);
  });
});

describe("AWS configuration: endpoints", () => {
  it("follows --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the services section, endpoint_url", async () => {
    const { env } = home();
    const profile = await loadAwsProfile({ profile: "endpoints" }, env);
    const at = (service: "s3" | "lambda" | "apigateway" | "logs", flags: object, extra: NodeJS.ProcessEnv) =>
      resolveEndpoint(service, { profile: "endpoints", ...flags }, { ...env, ...extra }, profile)?.value;
    const both = { AWS_ENDPOINT_URL_S3: "http://env-s3:1", AWS_ENDPOINT_URL: "http://env-all:2" };
    expect(at("s3", { endpointUrl: "http://flag:3" }, both)).to.equal("http://flag:3");
    expect(at("s3", {}, both)).to.equal("http://env-s3:1");
    expect(at("lambda", {}, both)).to.equal("http://env-all:2");
    expect(at("logs", {}, { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: "http://env-logs:4" })).to.equal(
      "http://env-logs:4",
    );
    expect(at("apigateway", {}, { AWS_ENDPOINT_URL_API_GATEWAY: "http://env-apigw:5" })).to.equal(
      "http://env-apigw:5",
    );
    expect(at("s3", {}, {})).to.equal("http://s3.example:9000");
    expect(at("apigateway", {}, {})).to.equal("http://apigw.example:4567");
    expect(at("lambda", {}, {})).to.equal("http://profile.example:4566");
  });

  it("ignores configured endpoints, but not --endpoint-url, under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", async () => {
    const { env } = home();
    const profile = await loadAwsProfile({ profile: "endpoints" }, env);
    const ignoring = { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true", AWS_ENDPOINT_URL: "http://x:1" };
    expect(resolveEndpoint("s3", { profile: "endpoints" }, ignoring, profile)).to.equal(undefined);
    expect(resolveEndpoint("s3", { endpointUrl: "http://flag:3" }, ignoring, profile)?.value).to.equal(
      "http://flag:3",
    );
    const viaProfile = await loadAwsProfile({ profile: "ignoring" }, env);
    expect(resolveEndpoint("s3", { profile: "ignoring" }, env, viaProfile)).to.equal(undefined);
  });

  it("refuses a profile whose services section does not exist, naming the file", async () => {
    const { env, dir } = home();
    const error = (await loadAwsProfile({ profile: "broken" }, env).catch((e: unknown) => e)) as UserError;
    expect(error.message).to.equal(
      `profile broken names the services section "nowhere", which ${join(dir, "config")} does not have`,
    );
  });

  it("builds each client for its own endpoint and the profile's region, through the session", async () => {
    const { env } = home();
    const streams = { stdout: new Writable(), stderr: new Writable() };
    const session = await Session.open(
      { profile: "endpoints" },
      {
        ...streams,
        env: { ...env, AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:7001" },
        cwd: env.HOME!,
        stdinIsTTY: false,
      },
      new Output(streams, { json: false, verbose: false }),
      { command: "status" },
    );
    try {
      const host = async (client: {
        config: { endpoint?: () => Promise<{ hostname?: string; port?: number }> };
      }) => {
        const endpoint = await client.config.endpoint!();
        return `${endpoint.hostname}:${endpoint.port}`;
      };
      expect(await host(session.clients.s3)).to.equal("s3.example:9000");
      expect(await host(session.clients.lambda)).to.equal("127.0.0.1:7001");
      expect(await host(session.clients.apigateway)).to.equal("apigw.example:4567");
      expect(await host(session.clients.dynamodb)).to.equal("profile.example:4566");
      expect(await session.clients.dynamodb.config.region()).to.equal("eu-central-1");
      expect(session.endpoint).to.equal("http://apigw.example:4567");
    } finally {
      await session.close();
    }
  });
});

describe("AWS configuration in a real process", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const marker = () => join(dir, "credential-process-ran");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "s3size-aws-process-"));
    cloud = await startLocalCloud({ stateDir: join(dir, "cloud"), port: 0 });
    // A credential_process prints temporary keys as JSON, as `aws configure export-credentials` does.
    writeFileSync(
      join(dir, "creds.mjs"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker())}, "yes");\n` +
        `console.log(JSON.stringify({ Version: 1, AccessKeyId: "ASIAPROCESS", SecretAccessKey: "s", SessionToken: "t" }));\n`,
    );
    writeFileSync(
      join(dir, "config"),
      `[profile grader]\nregion = eu-west-1\nendpoint_url = ${cloud.endpoint}\n` +
        `credential_process = ${process.execPath} ${join(dir, "creds.mjs")}\n`,
    );
    env = bareEnv(dir, { AWS_CONFIG_FILE: join(dir, "config") });
  });

  after(async () => {
    await cloud?.stop();
  });

  it("status --profile grader: the profile's region, endpoint and credential_process; says who and where; exits 3 on a missing stack", async () => {
    const run = await runProcess(["status", "--profile", "grader", "--state-dir", join(dir, "s1")], {
      cwd: dir,
      env,
    });
    expect(run.stderr).to.equal("");
    expect(run.code).to.equal(3);
    const first = run.stdout.split("\n")[0];
    expect(first).to.equal(
      `account 000000000000 (arn:aws:iam::000000000000:root), region eu-west-1 (profile grader), ` +
        `profile grader (--profile), endpoint ${cloud.endpoint} (profile grader), stack s3size`,
    );
    expect(run.stdout).to.include("✖ buckets: setup would create bucket testbucket-000000000000-eu-west-1");
    expect(readFileSync(marker(), "utf8")).to.equal("yes");
  });

  it("keeps the SDK's nine-line warning about keys beside a profile out of the output", async () => {
    const run = await runProcess(
      ["status", "--profile", "grader", "--json", "--state-dir", join(dir, "s2")],
      {
        cwd: dir,
        env: { ...env, AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "s" },
      },
    );
    expect(run.stderr).to.equal("");
    expect(JSON.parse(run.stdout)).to.deep.include({
      region: "eu-west-1",
      profile: "grader",
      upToDate: false,
    });
  });

  it("--profile nosuchprofile: one line and a hint, exit 1", async () => {
    const run = await runProcess(["status", "--profile", "nosuchprofile"], { cwd: dir, env });
    expect(run.code).to.equal(1);
    expect(run.stderr.trimEnd().split("\n")).to.deep.equal([
      `error: profile "nosuchprofile" (--profile) is not in ${join(dir, "config")} or ${join(dir, ".aws", "credentials")}`,
      "hint: create it with: aws configure --profile nosuchprofile (profiles there: grader)",
    ]);
    expect(existsSync(join(dir, ".s3size"))).to.equal(false);
  });
});
