// Bad input gets one line and a hint, a non-zero exit, and changes nothing; the real process exits
// with the code and never prints a stack trace.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, DEMO_SLEEP_MS, expectOneLineError, leftovers, runCli } from "./run-cli.ts";
import { BIN, runProcess } from "./run-process.ts";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("s3size CLI on bad input", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let work: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", join(work, ".s3size")], {
      cwd: work,
      env,
    });
  const nothingCreated = async () => {
    expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
    expect(existsSync(join(work, ".s3size", "state.json"))).to.equal(false);
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-cli-bad-"));
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
  });

  after(async () => {
    await cloud?.stop();
  });

  it("refuses an invalid bucket name before any call", async () => {
    const run = await cli(["setup"], { S3SIZE_DATA_BUCKET: "Test_Bucket" });
    expectOneLineError(run, /invalid bucket name "Test_Bucket"/, /lowercase/);
    expect(run.calls).to.deep.equal([]);
    await nothingCreated();
  });

  it("refuses an unknown region before any call", async () => {
    const run = await cli(["setup", "--region", "mars-north-1"]);
    expectOneLineError(run, /unknown region "mars-north-1"/, /us-east-1/);
    expect(run.calls).to.deep.equal([]);
    await nothingCreated();
  });

  it("refuses an existing table with another key schema and creates nothing else", async () => {
    const { dynamodb } = cloudClients(cloud.endpoint);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: "S3-object-size-history",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    try {
      const run = await cli(["setup"]);
      expectOneLineError(
        run,
        /table S3-object-size-history exists and cannot hold the history/,
        /S3SIZE_TABLE/,
      );
      expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal(["table S3-object-size-history"]);
    } finally {
      await dynamodb.send(new DeleteTableCommand({ TableName: "S3-object-size-history" }));
    }
  });

  it("says to run setup first when plotting, demoing or reading history before setup", async () => {
    expectOneLineError(await cli(["plot"]), /plot API does not exist/, /run s3size setup first/);
    expectOneLineError(await cli(["demo"]), /nothing is set up yet/, /run s3size setup first/);
    expectOneLineError(
      await cli(["history"]),
      /table S3-object-size-history does not exist/,
      /run s3size setup first/,
    );
    expectOneLineError(
      await cli(["logs", "driver"]),
      /log group \/aws\/lambda\/s3size-driver does not exist/,
      /setup first/,
    );
    await nothingCreated();
  });

  it("rejects unknown options, unknown functions, bad numbers and contradicting targets", async () => {
    expectOneLineError(await cli(["setup", "--bogus"]), /unknown option '--bogus'/, /--help/, 2);
    expectOneLineError(
      await cli(["logs", "tracker"]),
      /unknown function "tracker"/,
      /size-tracking, plotting, driver/,
    );
    expectOneLineError(
      await cli(["demo", "--sleep-ms", "soon"]),
      /--sleep-ms must be a whole number/,
      /--sleep-ms 300/,
    );
    expectOneLineError(await cli(["plot", "--seconds", "0"]), /--seconds must be/, /--seconds 10/);
    expectOneLineError(await cli(["setup", "--local"]), /--local and --endpoint-url/, /one of them/);
    await nothingCreated();
  });

  it("names an endpoint that does not answer", async () => {
    const port = await closedPort();
    const run = await runCli(
      ["setup", "--endpoint-url", `http://127.0.0.1:${port}`, "--state-dir", join(work, ".s3size")],
      { cwd: work },
    );
    expectOneLineError(
      run,
      new RegExp(`endpoint http://127.0.0.1:${port} does not answer`),
      /s3size local|--local/,
    );
    await nothingCreated();
  });
});

describe("s3size as a real process", function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), "s3size-cli-process-"));

  it("exits 1 with one line and a hint, and no stack trace, when the endpoint does not answer", async () => {
    const port = await closedPort();
    const run = await runProcess(["setup", "--endpoint-url", `http://127.0.0.1:${port}`], { cwd: work });
    expectOneLineError(run, /does not answer/, /--local/);
    expect(run.stderr).not.to.match(/^\s+at /m);
  });

  it("exits 1 without credentials on AWS, saying so", async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: join(work, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials"),
    };
    const run = await runProcess(["status", "--region", "eu-west-1"], { cwd: work, env });
    expectOneLineError(run, /no AWS credentials found/, /aws configure|--local/);
    expect(run.stderr).not.to.match(/^\s+at /m);
  });

  it("exits 2 on an unknown option", async () => {
    const run = await runProcess(["teardown", "--force"], { cwd: work });
    expectOneLineError(run, /unknown option '--force'/, /--help/, 2);
  });

  it("runs the quick start: `demo --local` sets up, prints 18 → 27 → 0 → 2 and saves plot.png", async () => {
    const run = await runProcess(["demo", "--local", "--sleep-ms", DEMO_SLEEP_MS], { cwd: work });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("running setup first");
    expect(run.stdout, run.stdout).to.include("sizes: 18 → 27 → 0 → 2 bytes");
    expect(existsSync(join(work, "plot.png"))).to.equal(true);
    const teardown = await runProcess(["teardown", "--local", "--yes"], { cwd: work });
    expect(teardown.code, teardown.stderr).to.equal(0);
    expect(existsSync(join(work, ".s3size", "state.json"))).to.equal(false);
  });

  it("runs `local` in the foreground, says how to point clients at it, and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "local", "--port", "0", "--state-dir", join(work, "foreground")],
      { cwd: work },
    );
    let stdout = "";
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /export AWS_ENDPOINT_URL=(\S+)/.exec(stdout);
        if (match && stdout.includes("Ctrl-C")) resolve(match[1]!);
      });
      child.once("exit", () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(stdout).to.include(`aws --endpoint-url ${endpoint}`);
    const identity = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization:
          "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x",
      },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(await identity.text()).to.include("000000000000");
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).to.equal(0);
  });
});
