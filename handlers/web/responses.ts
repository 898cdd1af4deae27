// The dashboard's answers in API Gateway's proxy shape: the page with a Content-Security-Policy that allows
// only its own inline style and script (by hash), images and requests to the API itself, and uploads to
// the data bucket's origin; JSON for the page's script, with the same 400/404/405 errors as the plotter.
import { createHash } from "node:crypto";
import type { ProxyResponse } from "../plotting/response.ts";
import { DASHBOARD_SCRIPT } from "./script.ts";
import { DASHBOARD_CSS } from "./style.ts";

const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
const STYLE_HASH = hash(DASHBOARD_CSS);
const SCRIPT_HASH = hash(DASHBOARD_SCRIPT);

/** The page's policy; `uploadOrigin` is the data bucket's origin the upload posts to (none: no uploads). */
export function dashboardCsp(uploadOrigin: string | undefined): string {
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `script-src ${SCRIPT_HASH}`,
    // data: only for the empty icon, which spares the API a request for /favicon.ico.
    "img-src 'self' data:",
    `connect-src 'self'${uploadOrigin ? ` ${uploadOrigin}` : ""}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

const COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export function htmlResponse(body: string, csp: string, head = false): ProxyResponse {
  return {
    statusCode: 200,
    headers: {
      ...COMMON_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "x-frame-options": "DENY",
    },
    body: head ? "" : body,
    isBase64Encoded: false,
  };
}

export function webJson(
  statusCode: number,
  body: unknown,
  extra: Record<string, string> = {},
  head = false,
): ProxyResponse {
  return {
    statusCode,
    headers: { ...COMMON_HEADERS, "content-type": "application/json", ...extra },
    body: head ? "" : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function webError(
  statusCode: number,
  error: string,
  message: string,
  extra: Record<string, string> = {},
): ProxyResponse {
  return webJson(statusCode, { error, message }, extra);
}
