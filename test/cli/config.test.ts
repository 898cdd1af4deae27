import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { validateBucketName } from "../../cli/aws-names.ts";
import {
  loadDotEnv,
  resolveSettings,
  SETTINGS_ENV,
  type SettingKey,
  settingFlag,
  stackNames,
} from "../../cli/config.ts";
import { UserError } from "../../cli/errors.ts";
import { parseSince } from "../../cli/flag-values.ts";

describe("cli config", () => {
  it("derives default names from the account and region, the plot bucket from the data bucket", () => {
    const names = stackNames(resolveSettings({ region: "eu-west-1" }, {}, "/tmp"), "123456789012");
    expect(names.dataBucket).to.equal("testbucket-123456789012-eu-west-1");
    expect(names.plotBucket).to.equal("testbucket-123456789012-eu-west-1-plots");
    expect(names.table).to.equal("S3-object-size-history");
    expect(names.functions).to.deep.equal({
      "size-tracking": "s3size-size-tracking",
      plotting: "s3size-plotting",
      driver: "s3size-driver",
      web: "s3size-web",
    });
    expect(names.roles.driver).to.equal("s3size-driver-role");
    expect(names.logGroups.plotting).to.equal("/aws/lambda/s3size-plotting");
  });

  it("takes flags over the environment over .env over defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), "s3size-config-"));
    writeFileSync(
      join(dir, ".env"),
      "AWS_REGION=ap-south-1\nS3SIZE_TABLE=from-dotenv\nS3SIZE_STAGE=fromdotenv\n",
    );
    const env: NodeJS.ProcessEnv = { S3SIZE_TABLE: "from-env", AWS_REGION: "us-west-2" };
    loadDotEnv(env, dir);
    const settings = resolveSettings({ region: "eu-central-1" }, env, dir);
    expect(settings.region).to.equal("eu-central-1");
    expect(settings.table).to.equal("from-env");
    expect(settings.stage).to.equal("fromdotenv");
    expect(settings.runtime).to.equal("nodejs22.x");
    expect(settings.arch).to.equal("arm64");
    expect(settings.logRetentionDays).to.equal(7);
    expect(settings.stateDir).to.equal(join(dir, ".s3size"));
  });

  it("has a flag for every setting, which wins over the environment", () => {
    const env: NodeJS.ProcessEnv = { S3SIZE_TABLE: "from-env", S3SIZE_DRIVER_SLEEP_MS: "900" };
    const settings = resolveSettings(
      { table: "from-flag", dataBucket: "my-data", driverSleepMs: "300", arch: "x86_64" },
      env,
      "/tmp",
    );
    expect(settings.table).to.equal("from-flag");
    expect(settings.dataBucket).to.equal("my-data");
    expect(settings.driverSleepMs).to.equal(300);
    expect(settings.arch).to.equal("x86_64");
    expect(Object.keys(SETTINGS_ENV).map((key) => settingFlag(key as SettingKey))).to.include.members([
      "--data-bucket",
      "--plot-bucket",
      "--log-retention-days",
      "--api-burst-limit",
    ]);
  });

  it("treats S3SIZE_LOCAL=1 as --local and ignores AWS_ENDPOINT_URL then", () => {
    const settings = resolveSettings(
      {},
      { S3SIZE_LOCAL: "1", AWS_ENDPOINT_URL: "http://127.0.0.1:1" },
      "/tmp",
    );
    expect(settings.local).to.equal(true);
    expect(settings.endpoint).to.equal(undefined);
  });

  const rejects = (flags: object, env: NodeJS.ProcessEnv, pattern: RegExp) => {
    expect(() => resolveSettings(flags, env, "/tmp")).to.throw(UserError, pattern);
  };

  it("rejects invalid bucket names with the reason", () => {
    rejects({}, { S3SIZE_DATA_BUCKET: "TestBucket" }, /invalid bucket name "TestBucket".*lowercase/);
    rejects({}, { S3SIZE_DATA_BUCKET: "ab" }, /3 to 63/);
    rejects({}, { S3SIZE_DATA_BUCKET: "a..b" }, /'\.\.'/);
    rejects({}, { S3SIZE_DATA_BUCKET: "192.168.1.1" }, /IP address/);
    rejects({}, { S3SIZE_DATA_BUCKET: "x".repeat(60) }, /plot bucket/);
    expect(() => validateBucketName("my-bucket.example", "x")).not.to.throw();
  });

  it("rejects unknown regions, runtimes, architectures and malformed numbers", () => {
    rejects({ region: "narnia" }, {}, /unknown region "narnia"/);
    rejects({ region: "us-east" }, {}, /unknown region/);
    rejects({}, { S3SIZE_RUNTIME: "python3.12" }, /unsupported runtime/);
    rejects({}, { S3SIZE_ARCH: "mips" }, /unsupported architecture/);
    rejects({}, { S3SIZE_LOG_RETENTION_DAYS: "8" }, /not one CloudWatch Logs offers/);
    rejects(
      {},
      { S3SIZE_DRIVER_SLEEP_MS: "fast" },
      /--driver-sleep-ms \(S3SIZE_DRIVER_SLEEP_MS\) must be a whole number/,
    );
    rejects({ endpointUrl: "localhost:4566" }, {}, /invalid endpoint URL/);
  });

  it("carries a hint on every validation error", () => {
    try {
      resolveSettings({ region: "moon-1" }, {}, "/tmp");
      expect.fail("no error");
    } catch (error) {
      expect((error as UserError).hint).to.match(/us-east-1/);
    }
  });

  it("reads --since as a duration, an ISO date or epoch milliseconds", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseSince("10m", now)).to.equal(now - 600_000);
    expect(parseSince("2h", now)).to.equal(now - 7_200_000);
    expect(parseSince("2026-01-01T00:00:00Z", now)).to.equal(Date.UTC(2026, 0, 1));
    expect(parseSince("1767225600000", now)).to.equal(1767225600000);
    expect(() => parseSince("yesterday-ish", now)).to.throw(UserError, /--since/);
  });
});

describe(".env.example", () => {
  it("lists every S3SIZE_* setting with its default", async () => {
    const { readFileSync } = await import("node:fs");
    const { SETTINGS_ENV } = await import("../../cli/config.ts");
    const text = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const [name, fallback] of Object.values(SETTINGS_ENV)) {
      expect(text, name).to.match(
        new RegExp(`^${name}=${fallback.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`, "m"),
      );
    }
  });
});
