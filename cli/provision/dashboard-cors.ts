// The data bucket's CORS rule that lets the dashboard's page post an upload (a presigned POST) from the
// API's origin to the bucket's. Merged with any rules the bucket already has, found again by its ID, and
// the only rule teardown removes: the bucket and its other rules are not the dashboard's business.
import {
  type CORSRule,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
} from "@aws-sdk/client-s3";
import { isLoopback } from "../aws-clients.ts";
import { awsErrorName } from "../errors.ts";
import { change, type ProvisionContext, read } from "./context.ts";

export const DASHBOARD_CORS_ID = "s3size-dashboard-upload";

/**
 * The page's origins: the API's execute-api host on AWS; on a loopback endpoint any port of 127.0.0.1
 * and localhost (the local cloud listens on loopback only, and its port changes between runs); else
 * the endpoint's own origin.
 */
export function dashboardOrigins(
  ctx: Pick<ProvisionContext, "region" | "endpoint">,
  apiId: string,
): string[] {
  if (!ctx.endpoint) {
    const suffix = ctx.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    return [`https://${apiId}.execute-api.${ctx.region}.${suffix}`];
  }
  if (isLoopback(ctx.endpoint)) return ["http://127.0.0.1:*", "http://localhost:*"];
  return [new URL(ctx.endpoint).origin];
}

export function dashboardCorsRule(origins: string[]): CORSRule {
  return {
    ID: DASHBOARD_CORS_ID,
    AllowedOrigins: origins,
    AllowedMethods: ["POST"],
    AllowedHeaders: ["*"],
    ExposeHeaders: ["ETag", "Location"],
    MaxAgeSeconds: 3000,
  };
}

async function corsRules(ctx: ProvisionContext): Promise<CORSRule[] | undefined> {
  try {
    const { CORSRules } = await read(() =>
      ctx.clients.s3.send(new GetBucketCorsCommand({ Bucket: ctx.names.dataBucket })),
    );
    return CORSRules ?? [];
  } catch (error) {
    if (awsErrorName(error) === "NoSuchCORSConfiguration") return [];
    if (awsErrorName(error) === "NoSuchBucket") return undefined;
    throw error;
  }
}

const sameRule = (a: CORSRule | undefined, b: CORSRule) =>
  a !== undefined &&
  JSON.stringify([a.AllowedOrigins, a.AllowedMethods, a.AllowedHeaders, a.ExposeHeaders, a.MaxAgeSeconds]) ===
    JSON.stringify([b.AllowedOrigins, b.AllowedMethods, b.AllowedHeaders, b.ExposeHeaders, b.MaxAgeSeconds]);

export async function ensureDashboardCors(ctx: ProvisionContext): Promise<void> {
  const bucket = ctx.names.dataBucket;
  const apiId = ctx.state.apiId;
  const rules = await corsRules(ctx);
  if (!apiId || rules === undefined) {
    // Dry run on a stack without its API or bucket yet: they come first, then this rule.
    ctx.changes.push(`let the dashboard upload to ${bucket} (CORS)`);
    return;
  }
  const wanted = dashboardCorsRule(dashboardOrigins(ctx, apiId));
  if (
    sameRule(
      rules.find((rule) => rule.ID === DASHBOARD_CORS_ID),
      wanted,
    )
  )
    return;
  const others = rules.filter((rule) => rule.ID !== DASHBOARD_CORS_ID);
  await change(
    ctx,
    `let the dashboard upload to ${bucket} (CORS from ${wanted.AllowedOrigins!.join(", ")})`,
    () =>
      ctx.clients.s3.send(
        new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [...others, wanted] } }),
      ),
  );
}

export async function destroyDashboardCors(ctx: ProvisionContext): Promise<void> {
  const bucket = ctx.names.dataBucket;
  const rules = await corsRules(ctx);
  if (!rules?.some((rule) => rule.ID === DASHBOARD_CORS_ID)) return;
  const others = rules.filter((rule) => rule.ID !== DASHBOARD_CORS_ID);
  await change(ctx, `remove the dashboard's CORS rule from ${bucket}`, () =>
    others.length > 0
      ? ctx.clients.s3.send(
          new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: others } }),
        )
      : ctx.clients.s3.send(new DeleteBucketCorsCommand({ Bucket: bucket })),
  );
}
