// The dashboard's provisioning without a cloud: its routes on the API (resources parent first, one
// invoke permission per method and path), the data bucket's CORS rule merged with the bucket's own,
// the URLs printed, and how `s3size console` opens a browser.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateResourceCommand,
  CreateRestApiCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";
import {
  AddPermissionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { browserOpener, openInBrowser } from "../../cli/commands/console.ts";
import { dashboardUrl, ensureApi } from "../../cli/provision/api.ts";
import { apiRoutes, integrationUri } from "../../cli/provision/api-routes.ts";
import {
  DASHBOARD_CORS_ID,
  dashboardCorsRule,
  dashboardOrigins,
  destroyDashboardCors,
  ensureDashboardCors,
} from "../../cli/provision/dashboard-cors.ts";
import { ensureDashboardBuckets, webEnvironment, webPolicy } from "../../cli/provision/web-function.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";
import { runCli } from "./run-cli.ts";

describe("provision: dashboard routes", () => {
  it("serves GET / and the page's /api/* by the web function, /plot by the plotting one, no HEAD", () => {
    const routes = apiRoutes().map((r) => `${r.method} ${r.path} → ${r.function} (${r.statementId})`);
    expect(routes).to.deep.equal([
      "GET /plot → plotting (s3size-apigateway-invoke)",
      "GET / → web (s3size-apigateway-get-root)",
      "GET /api/history → web (s3size-apigateway-get-api-history)",
      "GET /api/objects → web (s3size-apigateway-get-api-objects)",
      "DELETE /api/objects → web (s3size-apigateway-delete-api-objects)",
      "GET /api/status → web (s3size-apigateway-get-api-status)",
      "GET /api/upload-form → web (s3size-apigateway-get-api-upload-form)",
    ]);
  });

  it("creates /api before its children, proxies each method to its function, and scopes each permission to its method and path", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.apigateway.on(GetRestApisCommand).resolves({ items: [] });
    mocks.apigateway.on(CreateRestApiCommand).resolves({ id: "api123", binaryMediaTypes: ["image/png"] });
    mocks.apigateway.on(GetResourcesCommand).resolves({ items: [{ id: "root", path: "/" }] });
    let next = 0;
    mocks.apigateway.on(CreateResourceCommand).callsFake(async () => ({ id: `r${++next}` }));
    mocks.apigateway.on(GetMethodCommand).rejects(awsError("NotFoundException", 404));
    mocks.apigateway.on(GetStageCommand).rejects(awsError("NotFoundException", 404));
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    await ensureApi(ctx);
    const created = inputOf(mocks.apigateway, CreateResourceCommand).map((c) => [c.parentId, c.pathPart]);
    // /plot is r1 and /api r2: /api's children hang under r2.
    expect(created).to.deep.equal([
      ["root", "plot"],
      ["root", "api"],
      ["r2", "history"],
      ["r2", "objects"],
      ["r2", "status"],
      ["r2", "upload-form"],
    ]);
    const methods = inputOf(mocks.apigateway, PutMethodCommand).map((m) => `${m.httpMethod} ${m.resourceId}`);
    expect(methods).to.deep.equal([
      "GET r1",
      "GET root",
      "GET r3",
      "GET r4",
      "DELETE r4",
      "GET r5",
      "GET r6",
    ]);
    const webUri = integrationUri(ctx, "web");
    expect(webUri).to.equal(
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:${ACCOUNT}:function:s3size-web/invocations`,
    );
    const integrations = inputOf(mocks.apigateway, PutIntegrationCommand);
    expect(integrations.filter((i) => i.uri === webUri)).to.have.length(6);
    expect(integrations.every((i) => i.type === "AWS_PROXY" && i.integrationHttpMethod === "POST")).to.equal(
      true,
    );
    const permissions = inputOf(mocks.lambda, AddPermissionCommand).map((p) => [p.FunctionName, p.SourceArn]);
    const arn = (route: string) => `arn:aws:execute-api:eu-west-1:${ACCOUNT}:api123/*/${route}`;
    expect(permissions).to.deep.equal([
      ["s3size-plotting", arn("GET/plot")],
      ["s3size-web", arn("GET/")],
      ["s3size-web", arn("GET/api/history")],
      ["s3size-web", arn("GET/api/objects")],
      ["s3size-web", arn("DELETE/api/objects")],
      ["s3size-web", arn("GET/api/status")],
      ["s3size-web", arn("GET/api/upload-form")],
    ]);
    expect(ctx.changes).to.include("let apigateway.amazonaws.com invoke s3size-web for DELETE /api/objects");
  });

  it("puts the dashboard at the stage's root, with the slash its relative links need", () => {
    expect(dashboardUrl({ apiId: "a1", region: "eu-west-1", stage: "demo" })).to.equal(
      "https://a1.execute-api.eu-west-1.amazonaws.com/demo/",
    );
    expect(
      dashboardUrl({ apiId: "a1", region: "us-east-1", stage: "demo", endpoint: "http://127.0.0.1:4566/" }),
    ).to.equal("http://127.0.0.1:4566/_aws/execute-api/a1/demo/");
  });
});

describe("provision: the data bucket's CORS rule for uploads", () => {
  const THEIRS = { ID: "theirs", AllowedOrigins: ["https://example.com"], AllowedMethods: ["GET"] };

  it("admits the API's origin on AWS, any loopback port on the local cloud, the endpoint's origin elsewhere", () => {
    expect(dashboardOrigins({ region: "eu-west-1" }, "api123")).to.deep.equal([
      "https://api123.execute-api.eu-west-1.amazonaws.com",
    ]);
    expect(dashboardOrigins({ region: "cn-north-1" }, "api123")).to.deep.equal([
      "https://api123.execute-api.cn-north-1.amazonaws.com.cn",
    ]);
    expect(dashboardOrigins({ region: "us-east-1", endpoint: "http://127.0.0.1:4604" }, "x")).to.deep.equal([
      "http://127.0.0.1:*",
      "http://localhost:*",
    ]);
    expect(
      dashboardOrigins({ region: "us-east-1", endpoint: "https://cloud.example.com:8443/base" }, "x"),
    ).to.deep.equal(["https://cloud.example.com:8443"]);
  });

  it("adds its rule beside the bucket's own rules, and changes nothing once it is there", async () => {
    const { ctx, mocks, mutations } = fakeContext({ state: { apiId: "api123" } });
    mocks.s3.on(GetBucketCorsCommand).resolves({ CORSRules: [THEIRS] });
    await ensureDashboardCors(ctx);
    const put = inputOf(mocks.s3, PutBucketCorsCommand)[0]!;
    expect(put.Bucket).to.equal(ctx.names.dataBucket);
    expect(put.CORSConfiguration!.CORSRules).to.deep.equal([
      THEIRS,
      {
        ID: DASHBOARD_CORS_ID,
        AllowedOrigins: ["https://api123.execute-api.eu-west-1.amazonaws.com"],
        AllowedMethods: ["POST"],
        AllowedHeaders: ["*"],
        ExposeHeaders: ["ETag", "Location"],
        MaxAgeSeconds: 3000,
      },
    ]);
    const again = fakeContext({ state: { apiId: "api123" } });
    again.mocks.s3.on(GetBucketCorsCommand).resolves({
      CORSRules: [THEIRS, dashboardCorsRule(["https://api123.execute-api.eu-west-1.amazonaws.com"])],
    });
    await ensureDashboardCors(again.ctx);
    expect(again.mutations()).to.deep.equal([]);
    expect(mutations()).to.deep.equal(["PutBucketCors"]);
  });

  it("replaces its own rule when the API changed, on a bucket with no CORS configuration yet too", async () => {
    const { ctx, mocks } = fakeContext({ state: { apiId: "new456" } });
    mocks.s3.on(GetBucketCorsCommand).rejects(awsError("NoSuchCORSConfiguration", 404));
    await ensureDashboardCors(ctx);
    expect(inputOf(mocks.s3, PutBucketCorsCommand)[0]!.CORSConfiguration!.CORSRules).to.deep.equal([
      dashboardCorsRule(["https://new456.execute-api.eu-west-1.amazonaws.com"]),
    ]);
  });

  it("removes only its own rule at teardown, and the configuration when nothing else is left", async () => {
    const mixed = fakeContext();
    mixed.mocks.s3.on(GetBucketCorsCommand).resolves({ CORSRules: [THEIRS, dashboardCorsRule(["x"])] });
    await destroyDashboardCors(mixed.ctx);
    expect(inputOf(mixed.mocks.s3, PutBucketCorsCommand)[0]!.CORSConfiguration!.CORSRules).to.deep.equal([
      THEIRS,
    ]);
    const alone = fakeContext();
    alone.mocks.s3.on(GetBucketCorsCommand).resolves({ CORSRules: [dashboardCorsRule(["x"])] });
    await destroyDashboardCors(alone.ctx);
    expect(alone.mutations()).to.deep.equal(["DeleteBucketCors"]);
    expect(inputOf(alone.mocks.s3, DeleteBucketCorsCommand)[0]).to.deep.equal({
      Bucket: alone.ctx.names.dataBucket,
    });
    const gone = fakeContext();
    gone.mocks.s3.on(GetBucketCorsCommand).rejects(awsError("NoSuchBucket", 404));
    await destroyDashboardCors(gone.ctx);
    expect(gone.mutations()).to.deep.equal([]);
  });
});

describe("s3size console: opening a browser", () => {
  const url = "http://127.0.0.1:4566/_s3size/console/?a=1&b=2";

  it("uses $BROWSER first, the platform's opener next, and none on a Linux without a display", () => {
    expect(browserOpener(url, { BROWSER: "firefox:chromium" }, "linux")).to.deep.equal({
      command: "firefox",
      args: [url],
    });
    expect(browserOpener(url, {}, "darwin")).to.deep.equal({ command: "open", args: [url] });
    expect(browserOpener(url, {}, "win32")).to.deep.equal({
      command: "rundll32",
      args: ["url.dll,FileProtocolHandler", url],
    });
    expect(browserOpener(url, { DISPLAY: ":0" }, "linux")).to.deep.equal({
      command: "xdg-open",
      args: [url],
    });
    expect(browserOpener(url, {}, "linux")).to.equal(undefined);
  });

  it("hands the whole URL to the opener, and reports an opener that fails or is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3size-opener-"));
    const script = join(dir, "browser");
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > "${dir}/opened"\n`);
    chmodSync(script, 0o755);
    expect(await openInBrowser({ command: script, args: [url] })).to.equal(true);
    expect(readFileSync(join(dir, "opened"), "utf8")).to.equal(url);
    expect(await openInBrowser({ command: "false", args: [url] })).to.equal(false);
    expect(await openInBrowser({ command: join(dir, "no-such-browser"), args: [url] })).to.equal(false);
  });
});

describe("s3size console", () => {
  const work = mkdtempSync(join(tmpdir(), "s3size-console-cmd-"));

  it("opens the console of the endpoint named, with $BROWSER, and says so", async () => {
    const script = join(work, "browser");
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > "${work}/opened"\n`);
    chmodSync(script, 0o755);
    const run = await runCli(["console", "--endpoint-url", "http://127.0.0.1:4604"], {
      cwd: work,
      env: { BROWSER: script },
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("opened http://127.0.0.1:4604/_s3size/console/ in your browser\n");
    expect(readFileSync(join(work, "opened"), "utf8")).to.equal("http://127.0.0.1:4604/_s3size/console/");
    expect(run.calls).to.deep.equal([]);
  });

  it("prints the address where no browser can open, and only prints it with --no-open", async () => {
    const headless = await runCli(["console", "--endpoint-url", "http://127.0.0.1:4604"], {
      cwd: work,
      env: {},
    });
    expect(headless.stdout).to.equal(
      "no browser could be opened here; open http://127.0.0.1:4604/_s3size/console/\n",
    );
    const json = await runCli(["console", "--endpoint-url", "http://127.0.0.1:4604", "--no-open", "--json"], {
      cwd: work,
      env: { BROWSER: "/bin/false" },
    });
    expect(JSON.parse(json.stdout)).to.deep.equal({
      url: "http://127.0.0.1:4604/_s3size/console/",
      opened: false,
    });
  });

  it("says how to start a local cloud when none runs for the state dir", async () => {
    const run = await runCli(["console", "--state-dir", join(work, "nothing-here")], { cwd: work, env: {} });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(
      /^error: no local cloud is running for the state dir .*nothing-here\nhint: start one with s3size local/,
    );
  });
});

describe("provision: the dashboard's tracked buckets", () => {
  it("lists every tracked bucket in its role and its environment, the data bucket first", () => {
    const { ctx } = fakeContext({ state: { tracked: ["photos-archive"] } });
    const listing = webPolicy(ctx).Statement.find((statement) => statement.Sid === "ListTrackedBuckets")!;
    expect(listing.Resource).to.deep.equal([
      `arn:aws:s3:::${ctx.names.dataBucket}`,
      "arn:aws:s3:::photos-archive",
    ]);
    expect(webEnvironment(ctx).TRACKED_BUCKETS).to.equal(`${ctx.names.dataBucket},photos-archive`);
  });

  it("after track/untrack, gives the function the new list and keeps its other variables; nothing before setup made it", async () => {
    const { ctx, mocks } = fakeContext({ state: { tracked: ["photos-archive"] } });
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: "s3size-web" } });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({
      Environment: { Variables: { HISTORY_TABLE: "t", TRACKED_BUCKETS: ctx.names.dataBucket } },
      State: "Active",
      LastUpdateStatus: "Successful",
    });
    await ensureDashboardBuckets(ctx);
    expect(inputOf(mocks.lambda, UpdateFunctionConfigurationCommand)).to.deep.equal([
      {
        FunctionName: "s3size-web",
        Environment: {
          Variables: { HISTORY_TABLE: "t", TRACKED_BUCKETS: `${ctx.names.dataBucket},photos-archive` },
        },
      },
    ]);
    const none = fakeContext({ state: { tracked: ["photos-archive"] } });
    none.mocks.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    await ensureDashboardBuckets(none.ctx);
    expect(none.mutations()).to.deep.equal([]);
  });
});
