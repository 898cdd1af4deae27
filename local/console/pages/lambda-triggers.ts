// A function's triggers, found as the Lambda console finds them: from its resource-based policy (which
// service may invoke it, from which source), completed with what the source itself says — for S3, the
// bucket's event notifications that name the function; for API Gateway, the method and path.
import { GetBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { type HtmlValue, html, type SafeHtml } from "../../../handlers/common/html.ts";
import type { PageRequest } from "../page.ts";
import { arnLink } from "./arn-links.ts";
import { bucketRegion } from "./s3.ts";

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { Service?: string | string[]; AWS?: string | string[] };
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyStatements(policy: string | undefined): PolicyStatement[] {
  if (!policy) return [];
  try {
    const statements = (JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] }).Statement;
    return Array.isArray(statements) ? statements : statements ? [statements] : [];
  } catch {
    return [];
  }
}

function listOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function principalText(principal: PolicyStatement["Principal"]): string {
  if (typeof principal === "string") return principal;
  return [...listOf(principal?.Service), ...listOf(principal?.AWS)].join(", ");
}

/** A condition key's value, whatever the operator and however the key is cased (AWS:SourceArn, aws:SourceArn). */
function conditionValue(statement: PolicyStatement, key: string): string | undefined {
  for (const operator of Object.values(statement.Condition ?? {})) {
    for (const [name, value] of Object.entries(operator)) {
      if (name.toLowerCase() === key.toLowerCase()) return listOf(value)[0];
    }
  }
  return undefined;
}

export function statementRows(statements: PolicyStatement[]): HtmlValue[][] {
  return statements.map((statement) => [
    statement.Sid,
    principalText(statement.Principal),
    Object.entries(statement.Condition ?? {}).map(
      ([operator, entries]) =>
        html`<div>${Object.entries(entries).map(([key, value]) => html`<code>${operator} ${key}: ${listOf(value).join(", ")}</code> `)}</div>`,
    ),
    listOf(statement.Action).join(", "),
  ]);
}

export interface Trigger {
  source: string;
  resource: SafeHtml;
  details: HtmlValue;
}

const SOURCES: Record<string, string> = {
  "s3.amazonaws.com": "S3",
  "apigateway.amazonaws.com": "API Gateway",
  "events.amazonaws.com": "EventBridge (CloudWatch Events)",
  "sns.amazonaws.com": "SNS",
  "sqs.amazonaws.com": "SQS",
  "logs.amazonaws.com": "CloudWatch Logs",
};

export async function triggersOf(
  request: PageRequest,
  functionArn: string,
  statements: PolicyStatement[],
): Promise<Trigger[]> {
  const triggers: Trigger[] = [];
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    const services = typeof statement.Principal === "object" ? listOf(statement.Principal.Service) : [];
    const sourceArn = conditionValue(statement, "AWS:SourceArn");
    for (const service of services) {
      const source = SOURCES[service] ?? service;
      if (service === "s3.amazonaws.com" && sourceArn) {
        triggers.push(await s3Trigger(request, functionArn, sourceArn));
      } else if (service === "apigateway.amazonaws.com" && sourceArn) {
        triggers.push({
          source,
          resource: arnLink(sourceArn, request.region, apiLabel(sourceArn)),
          details: apiDetails(sourceArn),
        });
      } else {
        triggers.push({
          source,
          resource: sourceArn ? arnLink(sourceArn, request.region) : html`Any source in the account`,
          details: html`Statement ID: ${statement.Sid}`,
        });
      }
    }
  }
  return triggers;
}

async function s3Trigger(request: PageRequest, functionArn: string, sourceArn: string): Promise<Trigger> {
  const bucket = sourceArn.replace(/^arn:aws:s3:::/, "");
  const resource = arnLink(sourceArn, request.region, bucket);
  try {
    const region = await bucketRegion(request.clients(request.region).s3, bucket);
    const config = await request
      .clients(region)
      .s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    const unqualified = (arn: string | undefined) => arn?.split(":").slice(0, 7).join(":");
    const matching = (config.LambdaFunctionConfigurations ?? []).filter(
      (item) => unqualified(item.LambdaFunctionArn) === unqualified(functionArn),
    );
    if (matching.length === 0) {
      return {
        source: "S3",
        resource,
        details: html`<span class="status warn">The bucket has no event notification for this function</span>`,
      };
    }
    return {
      source: "S3",
      resource,
      details: matching.map((item) => {
        const filters = (item.Filter?.Key?.FilterRules ?? []).map(
          (rule) => `${rule.Name?.toLowerCase()}: ${rule.Value}`,
        );
        return html`<div>Event types: ${(item.Events ?? []).join(", ")}${filters.length ? html`; ${filters.join(", ")}` : ""}${
          item.Id ? html` (notification ${item.Id})` : ""
        }</div>`;
      }),
    };
  } catch (error) {
    return {
      source: "S3",
      resource,
      details: `Could not read the bucket's notifications: ${(error as Error).message}`,
    };
  }
}

/** arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path…> */
function apiParts(sourceArn: string): { api: string; stage: string; method: string; path: string } {
  const [api = "", stage = "*", method = "*", ...path] = (sourceArn.split(":")[5] ?? "").split("/");
  return { api, stage, method, path: `/${path.join("/")}` };
}

function apiLabel(sourceArn: string): string {
  return `API ${apiParts(sourceArn).api}`;
}

function apiDetails(sourceArn: string): SafeHtml {
  const parts = apiParts(sourceArn);
  return html`Method: ${parts.method === "*" ? "ANY" : parts.method}, Resource path: ${parts.path}, Stage: ${parts.stage}`;
}
