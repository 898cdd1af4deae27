// The console's front page: every service with how many resources it holds in the region, one read each.

import { GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { html } from "../../../handlers/common/html.ts";
import { SERVICES } from "../layout.ts";
import { settle } from "../outcome.ts";
import type { ConsolePage, PageRequest } from "../page.ts";
import { consoleHref } from "../ui.ts";

/** One count per service: the first page's length, "+" when there are more. */
function counted(items: unknown[] | undefined, more: unknown, noun: string): string {
  const count = items?.length ?? 0;
  return `${count}${more ? "+" : ""} ${noun}${count === 1 && !more ? "" : "s"}`;
}

export async function homePage(request: PageRequest): Promise<ConsolePage> {
  const c = request.clients(request.region);
  const counts: Record<string, Promise<string>> = {
    s3: c.s3.send(new ListBucketsCommand({})).then((r) => counted(r.Buckets, false, "bucket")),
    dynamodb: c.dynamodb
      .send(new ListTablesCommand({}))
      .then((r) => counted(r.TableNames, r.LastEvaluatedTableName, "table")),
    lambda: c.lambda
      .send(new ListFunctionsCommand({}))
      .then((r) => counted(r.Functions, r.NextMarker, "function")),
    iam: c.iam.send(new ListRolesCommand({})).then((r) => counted(r.Roles, r.IsTruncated, "role")),
    apigateway: c.apigateway
      .send(new GetRestApisCommand({}))
      .then((r) => counted(r.items, r.position, "API")),
    logs: c.logs
      .send(new DescribeLogGroupsCommand({}))
      .then((r) => counted(r.logGroups, r.nextToken, "log group")),
    sns: c.sns.send(new ListTopicsCommand({})).then((r) => counted(r.Topics, r.NextToken, "topic")),
    sqs: c.sqs.send(new ListQueuesCommand({})).then((r) => counted(r.QueueUrls, r.NextToken, "queue")),
    events: c.events.send(new ListRulesCommand({})).then((r) => counted(r.Rules, r.NextToken, "rule")),
    cloudwatch: c.cloudwatch
      .send(new DescribeAlarmsCommand({}))
      .then((r) => counted(r.MetricAlarms, r.NextToken, "alarm")),
  };
  const settled = await Promise.all(SERVICES.map((service) => settle(counts[service.page]!)));
  return {
    title: "Local cloud",
    breadcrumbs: [{ label: request.region }],
    body: html`<p>What the local cloud holds in <strong>${request.region}</strong> (S3 bucket names and IAM are global). Every page reads through the services' own APIs and changes nothing.</p>
<ul class="cards">${SERVICES.map((service, index) => {
      const count = settled[index]!;
      return html`<li><a href="${consoleHref(service.page, { region: request.region })}">${service.label}</a><p>${
        count.ok ? count.value : "could not be read"
      }</p></li>`;
    })}</ul>`,
  };
}
