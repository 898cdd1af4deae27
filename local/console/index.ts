// The local console at /_s3size/console/: read-only pages that mirror what a grader checks in the AWS
// console. It answers GET and HEAD only, to loopback Host names only (a page on a rebinding domain cannot
// read it), with a Content-Security-Policy that allows no script and no foreign resource; every value on a
// page is escaped by the `html` template, since keys, tags, log lines and policies are anyone's text.
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { documentText, html } from "../../handlers/common/html.ts";
import { readIamReport } from "../iam/report.ts";
import { isLoopbackHost } from "../request-guard.ts";
import type { CloudContext, EdgeRequest, Service } from "../types.ts";
import { REGION_PATTERN, renderPage } from "./layout.ts";
import { type ConsolePage, PageError, type PageHandler } from "./page.ts";
import { apiPage, apisPage } from "./pages/apigateway.ts";
import { alarmPage, cloudWatchPage } from "./pages/cloudwatch.ts";
import { tablePage, tablesPage } from "./pages/dynamodb.ts";
import { eventsPage, rulePage } from "./pages/events.ts";
import { homePage } from "./pages/home.ts";
import { rolePage, rolesPage } from "./pages/iam.ts";
import { functionPage, functionsPage } from "./pages/lambda.ts";
import { logGroupPage, logGroupsPage } from "./pages/logs.ts";
import { bucketPage, bucketsPage } from "./pages/s3.ts";
import { topicPage, topicsPage } from "./pages/sns.ts";
import { queuePage, queuesPage } from "./pages/sqs.ts";
import { createConsoleReader } from "./reader.ts";
import { CONSOLE_PATH } from "./ui.ts";

const PAGES: Record<string, PageHandler> = {
  "": homePage,
  s3: bucketsPage,
  "s3/bucket": bucketPage,
  dynamodb: tablesPage,
  "dynamodb/table": tablePage,
  lambda: functionsPage,
  "lambda/function": functionPage,
  iam: rolesPage,
  "iam/role": rolePage,
  apigateway: apisPage,
  "apigateway/api": apiPage,
  logs: logGroupsPage,
  "logs/group": logGroupPage,
  sns: topicsPage,
  "sns/topic": topicPage,
  sqs: queuesPage,
  "sqs/queue": queuePage,
  events: eventsPage,
  "events/rule": rulePage,
  cloudwatch: cloudWatchPage,
  "cloudwatch/alarm": alarmPage,
};

const STYLESHEET = readFileSync(new URL("./console.css", import.meta.url));
/** A bucket-shaped icon, so the browser does not ask S3 for /favicon.ico. */
const ICON = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M2 3h12l-1.5 11h-9z" fill="#ff9900"/></svg>',
);

/** No script at all, styles and images from the console itself, forms back to it, never framed. */
export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

export interface LocalConsole {
  handle(req: EdgeRequest, res: ServerResponse): Promise<void>;
  close(): void;
}

export function createConsole(
  ctx: CloudContext,
  services: ReadonlyMap<string, Service>,
  onRequest?: (operation: string) => void,
): LocalConsole {
  const reader = createConsoleReader(ctx, services, onRequest);

  const send = (
    res: ServerResponse,
    req: EdgeRequest,
    statusCode: number,
    type: string,
    body: string | Buffer,
  ) => {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    res.writeHead(statusCode, {
      ...SECURITY_HEADERS,
      "content-type": type,
      "content-length": String(bytes.length),
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };

  const sendPage = (
    res: ServerResponse,
    req: EdgeRequest,
    statusCode: number,
    page: ConsolePage,
    region: string,
    service: string,
  ) =>
    send(
      res,
      req,
      statusCode,
      "text/html; charset=utf-8",
      documentText(renderPage(page, { region, service, endpoint: ctx.endpoint })),
    );

  const problem = (title: string, message: string): ConsolePage => ({
    title,
    breadcrumbs: [{ label: title }],
    body: html`<section><p class="error" role="alert">${message}</p></section>`,
  });

  const serve = async (req: EdgeRequest, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(res, req, 405, "text/plain; charset=utf-8", "The local console only reads: use GET.\n");
    }
    const host = req.headers.host;
    // The edge refuses other Hosts before any service; the console, which shows everything, checks again.
    if (!isLoopbackHost(host, ctx.host)) {
      return send(
        res,
        req,
        403,
        "text/plain; charset=utf-8",
        "The local console answers only loopback host names.\n",
      );
    }
    if (req.path === CONSOLE_PATH.slice(0, -1)) {
      res.setHeader("location", CONSOLE_PATH);
      return send(res, req, 301, "text/plain; charset=utf-8", `See ${CONSOLE_PATH}\n`);
    }
    const name = req.path.slice(CONSOLE_PATH.length).replace(/\/$/, "");
    if (name === "console.css") return send(res, req, 200, "text/css; charset=utf-8", STYLESHEET);
    if (name === "favicon.svg") return send(res, req, 200, "image/svg+xml", ICON);
    const region = req.query.get("region") || ctx.region;
    const service = name.split("/")[0] ?? "";
    const handler = Object.hasOwn(PAGES, name) ? PAGES[name] : undefined;
    if (!REGION_PATTERN.test(region)) {
      return sendPage(
        res,
        req,
        400,
        problem("Unknown region", `"${region}" is not a region name.`),
        ctx.region,
        service,
      );
    }
    if (!handler) {
      return sendPage(
        res,
        req,
        404,
        problem("Page not found", `The console has no page ${req.path}.`),
        region,
        "",
      );
    }
    try {
      const page = await handler({
        region,
        params: req.query,
        clients: (wanted) => reader.clients(wanted),
        endpoint: ctx.endpoint,
        dataDir: ctx.dataDir,
        iamReport: () => readIamReport(ctx),
      });
      sendPage(res, req, 200, page, region, service);
    } catch (error) {
      const statusCode = error instanceof PageError ? error.status : notFound(error) ? 404 : 500;
      const message =
        error instanceof Error
          ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`
          : String(error);
      sendPage(
        res,
        req,
        statusCode,
        problem(statusCode === 404 ? "Not found" : "Could not show this page", message),
        region,
        service,
      );
    }
  };

  return {
    async handle(req, res) {
      try {
        await serve(req, res);
      } catch (error) {
        // A page that failed while rendering fails alone, like any request at the edge.
        ctx.debug(`console: ${req.path}: ${(error as Error).stack ?? error}`);
        if (!res.headersSent)
          send(res, req, 500, "text/plain; charset=utf-8", "The console failed on this page.\n");
        else res.end();
      }
    },
    close() {
      reader.close();
    },
  };
}

/** The SDK's names for "that resource does not exist", across services. */
function notFound(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? "";
  return /^(NoSuch\w+|NotFound|NotFoundException|ResourceNotFoundException|NoSuchEntity\w*|QueueDoesNotExist|AWS\.SimpleQueueService\.NonExistentQueue|ResourceNotFound)$/.test(
    name,
  );
}
