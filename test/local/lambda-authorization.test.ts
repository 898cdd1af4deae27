// Issue 9: every Lambda operation declares the IAM action and resource it needs, the dispatcher asks
// IAM before running it (AccessDeniedException when denied), and each execution environment acts as a
// session of the function's execution role. IAM is a recording stand-in here; the IAM tests cover it.
import { mkdtempSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createLambdaService } from "../../local/lambda/index.ts";
import {
  type AuthorizationResult,
  type CloudContext,
  DEFAULT_REALISM,
  type EdgeRequest,
  type IamRequirement,
  LOCAL_ACCOUNT_ID,
  type LogEvent,
  type Service,
} from "../../local/types.ts";
import { ECHO_FUNCTION_DIR, zipFolder } from "./fixtures/lambda.ts";

const ROLE = "arn:aws:iam::000000000000:role/tracker-role";
const ARN = "arn:aws:lambda:eu-west-1:000000000000:function:guarded";
const SESSION = {
  accessKeyId: "ASIASESSIONKEY000001",
  secretAccessKey: "session-secret-never-logged",
  sessionToken: "session-token-never-logged",
  expiration: Date.now() + 3600_000,
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function request(method: string, path: string, body?: unknown, query = ""): EdgeRequest {
  return {
    method,
    path,
    query: new URLSearchParams(query),
    headers: {},
    body: Buffer.from(body === undefined ? "" : JSON.stringify(body)),
    service: "lambda",
    region: "eu-west-1",
    accessKeyId: "AKIACALLER",
  };
}

async function send(service: Service, req: EdgeRequest): Promise<Answer> {
  const answer: Answer = { status: 0, headers: {}, body: "" };
  const res = {
    headersSent: false,
    writeHead(status: number, headers: Record<string, string> = {}) {
      answer.status = status;
      answer.headers = headers;
      return res;
    },
    end(chunk?: Buffer | string) {
      answer.body = chunk ? chunk.toString() : "";
      return res;
    },
  };
  await service.handle(req, res as unknown as ServerResponse);
  return answer;
}

describe("local Lambda's operation table and IAM", () => {
  const requirements: IamRequirement[] = [];
  const sessions: Array<[string, string]> = [];
  const logged: LogEvent[] = [];
  const debugged: string[] = [];
  let deny: ((requirement: IamRequirement) => AuthorizationResult | undefined) | undefined;
  let dataDir: string;
  let service: Service;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "s3size-lambda-iam-"));
    const ctx: CloudContext = {
      region: "us-east-1",
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      host: "127.0.0.1",
      endpoint: "http://127.0.0.1:9",
      realism: { ...DEFAULT_REALISM, functionPendingMs: 0, functionUpdateMs: 0 },
      iam: {
        roleStatus: () => "ready",
        authorize(_req, requirement) {
          requirements.push(requirement);
          return deny?.(requirement) ?? { allowed: true };
        },
        issueRoleSession(roleArn, sessionName) {
          sessions.push([roleArn, sessionName]);
          return SESSION;
        },
      },
      logs: { putEvents: (_group, _stream, events) => logged.push(...events) },
      debug: (message) => debugged.push(message),
    };
    service = await createLambdaService(ctx);
  });
  after(async () => {
    await service.close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The one requirement (or all of them) IAM was asked about for a request. */
  async function asked(req: EdgeRequest, status: number) {
    requirements.length = 0;
    const answer = await send(service, req);
    expect(answer.status, answer.body).to.equal(status);
    return requirements.map(({ action, resources }) => [action, ...resources]);
  }

  it("asks for lambda:CreateFunction on the new function's ARN and iam:PassRole on its role", async () => {
    const zip = (await zipFolder(ECHO_FUNCTION_DIR)).toString("base64");
    const input = {
      FunctionName: "guarded",
      Runtime: "nodejs22.x",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zip },
    };
    expect(await asked(request("POST", "/2015-03-31/functions", input), 201)).to.deep.equal([
      ["lambda:CreateFunction", ARN],
      ["iam:PassRole", ROLE],
    ]);
  });

  it("declares each operation's action on the function's ARN as the Service Authorization Reference lists it", async () => {
    const fn = "/2015-03-31/functions/guarded";
    const cases: Array<[EdgeRequest, number, string, string]> = [
      [request("GET", "/2015-03-31/functions/"), 200, "lambda:ListFunctions", "*"],
      [request("GET", fn), 200, "lambda:GetFunction", ARN],
      [request("GET", `${fn}/configuration`), 200, "lambda:GetFunctionConfiguration", ARN],
      [request("PUT", `${fn}/configuration`, { Timeout: 5 }), 200, "lambda:UpdateFunctionConfiguration", ARN],
      [request("POST", `${fn}/invocations`, {}), 200, "lambda:InvokeFunction", ARN],
      [
        request("POST", `${fn}/policy`, {
          StatementId: "s3",
          Action: "lambda:InvokeFunction",
          Principal: "s3.amazonaws.com",
        }),
        201,
        "lambda:AddPermission",
        ARN,
      ],
      [request("GET", `${fn}/policy`), 200, "lambda:GetPolicy", ARN],
      [request("DELETE", `${fn}/policy/s3`), 204, "lambda:RemovePermission", ARN],
      [
        request("POST", `/2017-03-31/tags/${encodeURIComponent(ARN)}`, { Tags: { a: "b" } }),
        204,
        "lambda:TagResource",
        ARN,
      ],
      [request("GET", `/2017-03-31/tags/${encodeURIComponent(ARN)}`), 200, "lambda:ListTags", ARN],
      [
        request("DELETE", `/2017-03-31/tags/${encodeURIComponent(ARN)}`, undefined, "tagKeys=a"),
        204,
        "lambda:UntagResource",
        ARN,
      ],
      [
        request("GET", `${fn}/configuration`, undefined, "Qualifier=%24LATEST"),
        200,
        "lambda:GetFunctionConfiguration",
        `${ARN}:$LATEST`,
      ],
    ];
    for (const [req, status, action, resource] of cases) {
      expect(await asked(req, status), `${req.method} ${req.path}`).to.deep.equal([[action, resource]]);
    }
  });

  it("hands IAM the function's resource policy with the requirement", async () => {
    await send(
      service,
      request("POST", "/2015-03-31/functions/guarded/policy", {
        StatementId: "api",
        Action: "lambda:InvokeFunction",
        Principal: "apigateway.amazonaws.com",
      }),
    );
    requirements.length = 0;
    await send(service, request("POST", "/2015-03-31/functions/guarded/invocations", {}));
    const policy = JSON.parse(requirements[0]!.resourcePolicy ?? "{}");
    expect(policy.Statement[0]).to.include({ Sid: "api", Resource: ARN });
  });

  it("answers a denial as AccessDeniedException (403) with IAM's message, without running the operation", async () => {
    const message = `User: arn:aws:sts::000000000000:assumed-role/x/y is not authorized to perform: lambda:DeleteFunction on resource: ${ARN} because no identity-based policy allows the lambda:DeleteFunction action`;
    deny = (requirement) =>
      requirement.action === "lambda:DeleteFunction" ? { allowed: false, message } : undefined;
    try {
      const answer = await send(service, request("DELETE", "/2015-03-31/functions/guarded"));
      expect(answer.status).to.equal(403);
      expect(answer.headers["x-amzn-errortype"]).to.equal("AccessDeniedException");
      expect(JSON.parse(answer.body).message).to.equal(message);
    } finally {
      deny = undefined;
    }
    expect((await send(service, request("GET", "/2015-03-31/functions/guarded"))).status).to.equal(200);
  });

  it("gives each execution environment a session of the function's role, and never logs its credentials", async () => {
    await send(
      service,
      request("PUT", "/2015-03-31/functions/guarded/configuration", { Description: "fresh environment" }),
    );
    const answer = await send(
      service,
      request("POST", "/2015-03-31/functions/guarded/invocations", { action: "log" }),
    );
    expect(answer.status).to.equal(200);
    const env = JSON.parse(
      (await send(service, request("POST", "/2015-03-31/functions/guarded/invocations", {}))).body,
    ).env;
    expect(env).to.include({
      AWS_ACCESS_KEY_ID: SESSION.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SESSION.secretAccessKey,
      AWS_SESSION_TOKEN: SESSION.sessionToken,
    });
    expect(sessions).to.deep.include([ROLE, "guarded"]);
    const everything = [...logged.map((event) => event.message), ...debugged].join("\n");
    expect(everything).to.contain("hello from the handler");
    expect(everything).to.not.contain(SESSION.secretAccessKey);
    expect(everything).to.not.contain(SESSION.sessionToken);
  });
});
