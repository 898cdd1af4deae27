// A bucket's CORS rules: their XML form, S3's checks of them, and how S3 answers a browser with them:
// a preflight (OPTIONS) is allowed by the first matching rule or refused with 403, and an actual request
// from an allowed origin gets the Access-Control-Allow-* headers.
import { type XmlElement, xmlChildren, xmlEscape, xmlText } from "../protocol/xml.ts";
import { S3Failure } from "./failure.ts";
import { malformedXml, S3_NS } from "./wire.ts";

export interface CorsRule {
  id?: string;
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

const METHODS = ["GET", "PUT", "HEAD", "POST", "DELETE"];

function invalidRequest(message: string): S3Failure {
  return new S3Failure(400, "InvalidRequest", message);
}

export function parseCorsConfiguration(root: XmlElement): CorsRule[] {
  if (root.name !== "CORSConfiguration") throw malformedXml();
  const rules = xmlChildren(root, "CORSRule").map((rule): CorsRule => {
    const texts = (name: string) => xmlChildren(rule, name).map((child) => child.text.trim());
    const allowedMethods = texts("AllowedMethod");
    const allowedOrigins = texts("AllowedOrigin");
    if (allowedMethods.length === 0 || allowedOrigins.length === 0) throw malformedXml();
    for (const method of allowedMethods) {
      if (!METHODS.includes(method)) {
        throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
      }
    }
    for (const origin of allowedOrigins) {
      if (origin.split("*").length > 2) {
        throw invalidRequest(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
      }
    }
    const allowedHeaders = texts("AllowedHeader");
    for (const name of allowedHeaders) {
      if (name.split("*").length > 2) {
        throw invalidRequest(`AllowedHeader "${name}" can not have more than one wildcard.`);
      }
    }
    const maxAge = xmlText(rule, "MaxAgeSeconds");
    const id = xmlText(rule, "ID");
    return {
      ...(id ? { id } : {}),
      allowedMethods,
      allowedOrigins,
      allowedHeaders,
      exposeHeaders: texts("ExposeHeader"),
      ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}),
    };
  });
  if (rules.length === 0) throw malformedXml();
  if (rules.length > 100)
    throw invalidRequest("The number of CORS rules should not exceed allowed limit of 100 rules.");
  return rules;
}

export function renderCorsConfiguration(rules: CorsRule[]): string {
  const field = (name: string, values: string[]) =>
    values.map((value) => `<${name}>${xmlEscape(value)}</${name}>`).join("");
  const body = rules.map(
    (rule) =>
      `<CORSRule>${rule.id ? field("ID", [rule.id]) : ""}${field("AllowedHeader", rule.allowedHeaders)}${field("AllowedMethod", rule.allowedMethods)}${field("AllowedOrigin", rule.allowedOrigins)}${field("ExposeHeader", rule.exposeHeaders)}${rule.maxAgeSeconds !== undefined ? `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>` : ""}</CORSRule>`,
  );
  return `<CORSConfiguration ${S3_NS}>${body.join("")}</CORSConfiguration>`;
}

/** "http://*.example.com" style patterns: one `*` matches any run of characters. */
function wildcardMatches(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

export interface CorsRequest {
  origin: string;
  method: string;
  /** Access-Control-Request-Headers of a preflight, lower case. */
  requestHeaders: string[];
}

/** The first rule allowing the origin, the method and every requested header, as S3 picks it. */
export function matchCorsRule(rules: CorsRule[] | undefined, request: CorsRequest): CorsRule | undefined {
  return rules?.find(
    (rule) =>
      rule.allowedMethods.includes(request.method) &&
      rule.allowedOrigins.some((pattern) => wildcardMatches(pattern, request.origin)) &&
      request.requestHeaders.every((name) =>
        rule.allowedHeaders.some((pattern) => wildcardMatches(pattern.toLowerCase(), name)),
      ),
  );
}

/** The headers S3 adds for a matched rule (preflight and actual requests alike). */
export function corsHeaders(rule: CorsRule, request: CorsRequest): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes("*");
  const headers: Record<string, string> = {
    "access-control-allow-origin": anyOrigin ? "*" : request.origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!anyOrigin) headers["access-control-allow-credentials"] = "true";
  if (request.requestHeaders.length > 0)
    headers["access-control-allow-headers"] = request.requestHeaders.join(", ");
  if (rule.exposeHeaders.length > 0) headers["access-control-expose-headers"] = rule.exposeHeaders.join(", ");
  if (rule.maxAgeSeconds !== undefined) headers["access-control-max-age"] = String(rule.maxAgeSeconds);
  return headers;
}

export const CORS_NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
