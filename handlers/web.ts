// web Lambda: the dashboard at the REST API's root (GET /) and the small JSON API its page script uses
// (history, objects, status, a fresh upload form, delete). Query-only reads, ListBucket on the tracked
// buckets, a presigned POST under the upload prefix, DeleteObject there, and read-only looks at the
// failure queue and the alarm: the role (cli, phase B of issue 12) allows exactly these.
import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { bucketRecordsQuery, historyPoint, queryFirst } from "./common/history-query.ts";
import type { ProxyEvent } from "./plotting/params.ts";
import type { ProxyResponse } from "./plotting/response.ts";
import { createWebClients, type WebClients } from "./web/clients.ts";
import { readWebConfig, type WebConfig } from "./web/config.ts";
import { renderDashboard } from "./web/page.ts";
import { readHistoryPage, readMax, readObjects, readStatus } from "./web/reads.ts";
import { dashboardCsp, htmlResponse, webError, webJson } from "./web/responses.ts";
import { HISTORY_PAGE_SIZE, parseWebRequest, type WebRoute } from "./web/routes.ts";
import { type UploadForm, uploadForm, uploadPostOptions } from "./web/upload-policy.ts";

export interface WebDeps {
  clients: WebClients;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
  /** Signs the upload form (AWS's library; a test may stand in). */
  presignPost: (s3: S3Client, config: WebConfig) => Promise<{ url: string; fields: Record<string, string> }>;
}

const signWithAws: WebDeps["presignPost"] = (s3, config) =>
  createPresignedPost(s3, uploadPostOptions(config));

export function createWebHandler(overrides: Partial<WebDeps> = {}) {
  const deps: WebDeps = {
    clients: createWebClients(),
    env: process.env,
    now: Date.now,
    log: (line) => console.log(line),
    presignPost: signWithAws,
    ...overrides,
  };
  return async (event: ProxyEvent | null): Promise<ProxyResponse> => {
    const started = deps.now();
    try {
      const config = readWebConfig(deps.env);
      const parsed = parseWebRequest(event ?? {}, config);
      if (!parsed.ok) {
        deps.log(
          JSON.stringify({
            level: "warn",
            message: "rejected request",
            path: event?.path,
            reason: parsed.message,
          }),
        );
        return webError(
          parsed.status,
          parsed.error,
          parsed.message,
          parsed.allow ? { allow: parsed.allow } : {},
        );
      }
      const response = await answer(parsed.route, config, deps);
      deps.log(
        JSON.stringify({
          level: "info",
          message: "served",
          route: parsed.route.kind,
          ms: deps.now() - started,
        }),
      );
      return parsed.head ? { ...response, body: "" } : response;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.log(JSON.stringify({ level: "error", message: "dashboard failed", error: message }));
      return webError(500, "InternalError", `the dashboard could not answer: ${message}`);
    }
  };
}

async function answer(route: WebRoute, config: WebConfig, deps: WebDeps): Promise<ProxyResponse> {
  const { clients } = deps;
  switch (route.kind) {
    case "history":
      return webJson(200, await readHistoryPage(clients.dynamodb(), config.table, route.bucket, route));
    case "objects":
      return webJson(200, await readObjects(clients.s3(), route.bucket, route.cursor));
    case "status":
      return webJson(200, await readStatus(clients, config));
    case "upload-form":
      return webJson(200, await signedForm(config, deps));
    case "delete":
      await clients.s3().send(new DeleteObjectCommand({ Bucket: config.dataBucket, Key: route.key }));
      deps.log(
        JSON.stringify({ level: "info", message: "deleted", bucket: config.dataBucket, key: route.key }),
      );
      return webJson(200, { deleted: { bucket: config.dataBucket, key: route.key } });
    case "page":
      return page(route, config, deps);
  }
}

async function signedForm(config: WebConfig, deps: WebDeps): Promise<UploadForm> {
  return uploadForm(await deps.presignPost(deps.clients.s3(), config), config, deps.now());
}

async function page(
  route: Extract<WebRoute, { kind: "page" }>,
  config: WebConfig,
  deps: WebDeps,
): Promise<ProxyResponse> {
  const { clients } = deps;
  const dynamodb = clients.dynamodb();
  const isDataBucket = route.bucket === config.dataBucket;
  const [history, newest, max, objects, status, form] = await Promise.all([
    readHistoryPage(dynamodb, config.table, route.bucket, {
      limit: HISTORY_PAGE_SIZE,
      ...(route.cursor === undefined ? {} : { cursor: route.cursor }),
    }),
    route.cursor === undefined
      ? Promise.resolve(undefined)
      : queryFirst(dynamodb, bucketRecordsQuery(config.table, route.bucket, {}, "newest-first")),
    readMax(dynamodb, config.table, route.bucket),
    readObjects(clients.s3(), route.bucket).catch((error: Error) => ({
      error: `${error.name}: ${error.message}`,
    })),
    readStatus(clients, config),
    // Signed only to learn the bucket's origin for the CSP; the script asks for a fresh form per upload.
    isDataBucket ? deps.presignPost(clients.s3(), config) : Promise.resolve(undefined),
  ]);
  const newestPoint = newest ? historyPoint(newest) : history.records[0];
  const body = renderDashboard({
    bucket: route.bucket,
    trackedBuckets: config.trackedBuckets,
    seconds: route.seconds,
    refreshSeconds: config.refreshSeconds,
    history,
    ...(route.cursor === undefined ? {} : { cursor: route.cursor }),
    ...(newestPoint ? { newest: newestPoint } : {}),
    ...(max ? { max } : {}),
    objects,
    status,
    ...(isDataBucket ? { upload: { prefix: config.uploadPrefix, maxBytes: config.uploadMaxBytes } } : {}),
  });
  return htmlResponse(body, dashboardCsp(form ? new URL(form.url).origin : undefined));
}

export const handler = createWebHandler();
