// S3: the local cloud's own store (local/s3/store) behind S3's REST API. Each request finds its
// operation in the table, passes IAM (with the bucket policy) and CORS, then runs; errors are S3's XML.
import { mkdirSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { authorize } from "../authorization.ts";
import type { CloudContext, EdgeRequest, IamRequirement, Service } from "../types.ts";
import { verifyPayloadHash } from "./checksums.ts";
import { CORS_NOT_ALLOWED, corsHeaders, matchCorsRule } from "./cors.ts";
import { S3Failure } from "./failure.ts";
import { createNotifier } from "./notifier.ts";
import { findOperation, scopeOf } from "./operations/index.ts";
import { bucketOfArn, denial, type S3Env } from "./operations/table.ts";
import { checkPresignedQuery } from "./presign.ts";
import { convertS3rverState } from "./store/conversion.ts";
import { noSuchBucket, S3Store } from "./store/index.ts";
import { header, newCall, type S3Call, sendEmpty, sendFailure } from "./wire.ts";

/** Names a request may use for a bucket: wider than S3's rules (old buckets), never path or key syntax. */
const BUCKET_CHARACTERS = /^[A-Za-z0-9._-]{1,255}$/;

/** SigV2 presigns and SigV2 headers carry the access key where the edge's SigV4 parsing does not look. */
function sigV2AccessKey(req: EdgeRequest): string | undefined {
  const fromQuery = req.query.get("AWSAccessKeyId");
  if (fromQuery) return fromQuery;
  return req.headers.authorization?.match(/^AWS ([^:\s]+):/)?.[1];
}

function authorizeCall(env: S3Env, call: S3Call, requirement: IamRequirement) {
  const bucket = requirement.resources.map(bucketOfArn).find(Boolean);
  const policy = bucket ? env.store.bucket(bucket)?.policy : undefined;
  return authorize(env.ctx, call.req, { ...requirement, ...(policy ? { resourcePolicy: policy } : {}) });
}

/** A browser's preflight: allowed by the first matching CORS rule of the bucket, else S3's 403. */
function preflight(env: S3Env, call: S3Call, res: ServerResponse): void {
  const origin = header(call, "origin");
  const method = header(call, "access-control-request-method");
  if (!origin)
    throw new S3Failure(400, "BadRequest", "Insufficient information. Origin request header needed.");
  if (!method)
    throw new S3Failure(400, "BadRequest", `Invalid Access-Control-Request-Method: ${method ?? "null"}`);
  const resourceType = call.key === "" ? "BUCKET" : "OBJECT";
  const bucket = call.bucket ? env.store.bucket(call.bucket) : undefined;
  if (!bucket) {
    throw new S3Failure(403, "AccessForbidden", "CORSResponse: Bucket not found", {
      Method: method,
      ResourceType: resourceType,
    });
  }
  if (!bucket.cors) {
    throw new S3Failure(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", {
      Method: method,
      ResourceType: resourceType,
    });
  }
  const request = {
    origin,
    method,
    requestHeaders: (header(call, "access-control-request-headers") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  };
  const rule = matchCorsRule(bucket.cors, request);
  if (!rule)
    throw new S3Failure(403, "AccessForbidden", CORS_NOT_ALLOWED, {
      Method: method,
      ResourceType: resourceType,
    });
  sendEmpty(res, call, 200, corsHeaders(rule, request));
}

/** An actual cross-origin request: the matching rule's headers join the answer, whatever it is. */
function addCorsHeaders(env: S3Env, call: S3Call): void {
  const origin = header(call, "origin");
  if (!origin || !call.bucket) return;
  const rules = env.store.bucket(call.bucket)?.cors;
  const request = { origin, method: call.req.method, requestHeaders: [] };
  const rule = matchCorsRule(rules, request);
  if (rule) Object.assign(call.headers, corsHeaders(rule, request));
}

/** Operations AWS answers whatever region the request was signed for. */
const ANY_REGION = new Set(["CreateBucket", "GetBucketLocation", "ListBuckets"]);

/**
 * A bucket's requests must be signed for its region, as on S3's regional endpoints: otherwise S3 names
 * the right one (the SDK and CLIs read it from the error to redirect).
 */
function checkRegion(env: S3Env, call: S3Call, operation: string): void {
  const bucket = call.bucket ? env.store.bucket(call.bucket) : undefined;
  const presigned = call.req.query.has("X-Amz-Credential");
  const signed = presigned || /^AWS4-HMAC-SHA256 /.test(call.req.headers.authorization ?? "");
  if (!bucket || !signed || bucket.region === call.req.region || ANY_REGION.has(operation)) return;
  const wrong = `the region '${call.req.region}' is wrong; expecting '${bucket.region}'`;
  const headers = { "x-amz-bucket-region": bucket.region };
  const extra = { Region: bucket.region };
  if (presigned) {
    throw new S3Failure(
      400,
      "AuthorizationQueryParametersError",
      `Error parsing the X-Amz-Credential parameter; ${wrong}`,
      extra,
      headers,
    );
  }
  throw new S3Failure(
    400,
    "AuthorizationHeaderMalformed",
    `The authorization header is malformed; ${wrong}`,
    extra,
    headers,
  );
}

async function dispatch(env: S3Env, call: S3Call, res: ServerResponse): Promise<void> {
  const { req } = call;
  if (call.bucket !== "" && !BUCKET_CHARACTERS.test(call.bucket)) {
    if (scopeOf(call) === "bucket" && req.method === "PUT") {
      throw new S3Failure(400, "InvalidBucketName", "The specified bucket is not valid.", {
        BucketName: call.bucket,
      });
    }
    throw noSuchBucket(call.bucket);
  }
  if (req.method === "OPTIONS") return preflight(env, call, res);
  addCorsHeaders(env, call);
  checkPresignedQuery(req.query);
  verifyPayloadHash(req.body, req.headers["x-amz-content-sha256"]);
  const operation = findOperation(call);
  checkRegion(env, call, operation.name);
  // Every bucket here is the account's own: a caller expecting another owner is refused, as on S3.
  const expectedOwner = header(call, "x-amz-expected-bucket-owner");
  if (expectedOwner !== undefined && call.bucket !== "" && expectedOwner !== env.ctx.accountId) {
    throw new S3Failure(403, "AccessDenied", "Access Denied");
  }
  for (const requirement of operation.iam(call)) {
    const decision = authorizeCall(env, call, requirement);
    if (!decision.allowed) throw denial(decision);
  }
  env.ctx.debug(`s3: ${operation.name} ${call.bucket}/${call.key}`);
  await operation.run(env, call, res);
}

/** Stores of the clouds running in this process, by data dir: the bench fills large buckets through them. */
const runningStores = new Map<string, S3Store>();

export function runningS3Store(dataDir: string): S3Store | undefined {
  return runningStores.get(dataDir);
}

export async function createS3Service(ctx: CloudContext): Promise<Service> {
  const directory = join(ctx.dataDir, "s3");
  mkdirSync(directory, { recursive: true });
  const store = await S3Store.open(directory);
  try {
    await convertS3rverState({
      directory,
      settingsFile: join(ctx.dataDir, "s3-buckets.json"),
      store,
      debug: ctx.debug,
    });
  } catch (error) {
    // The start fails: let go of the index, so a start after the user's fix (in this process too) opens it.
    await store.close();
    throw error;
  }
  void store
    .collectGarbage()
    .catch((error: unknown) =>
      ctx.debug(`s3: collecting unreferenced bodies failed: ${(error as Error).message}`),
    );
  runningStores.set(ctx.dataDir, store);
  const notifier = createNotifier(ctx);
  const env: S3Env = {
    ctx,
    store,
    notifier,
    authorize: (call, requirement) => authorizeCall(env, call, requirement),
  };

  return {
    name: "s3",
    async handle(req, res) {
      let call: S3Call | undefined;
      try {
        req.accessKeyId ??= sigV2AccessKey(req);
        call = newCall(req);
        await dispatch(env, call, res);
      } catch (error) {
        if (!(error instanceof S3Failure)) throw error;
        sendFailure(res, call ?? newCall({ ...req, path: "/" }), error);
      }
    },
    async close() {
      runningStores.delete(ctx.dataDir);
      await notifier.flush();
      await store.close();
    },
  };
}
