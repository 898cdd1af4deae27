// AWS console URLs of every resource, so a grader can click from `setup`/`status` straight to it.
import type { FunctionKey, StackNames } from "./config.ts";
import { partitionOf } from "./provision/context.ts";

export interface ConsoleLink {
  what: string;
  url: string;
}

function consoleHost(region: string): string {
  if (region.startsWith("cn-")) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith("us-gov-")) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

export function bucketLink(bucket: string, region: string): string {
  return `${consoleHost(region).replace(`${region}.console`, "s3.console")}/s3/buckets/${bucket}?region=${region}&tab=objects`;
}

export function tableItemsLink(table: string, region: string): string {
  return `${consoleHost(region)}/dynamodbv2/home?region=${region}#item-explorer?table=${encodeURIComponent(table)}`;
}

export function functionLink(name: string, region: string): string {
  return `${consoleHost(region)}/lambda/home?region=${region}#/functions/${encodeURIComponent(name)}`;
}

/** The CloudWatch console escapes the group name twice and writes '%' as '$'. */
export function logGroupLink(group: string, region: string): string {
  const escaped = encodeURIComponent(encodeURIComponent(group)).replace(/%/g, "$");
  return `${consoleHost(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${escaped}`;
}

export function apiLink(apiId: string, region: string): string {
  return `${consoleHost(region)}/apigateway/main/apis/${apiId}/resources?api=${apiId}&region=${region}`;
}

export function roleLink(role: string, region: string): string {
  return `${consoleHost(region)}/iam/home#/roles/details/${encodeURIComponent(role)}`;
}

export function topicLink(topicArn: string, region: string): string {
  return `${consoleHost(region)}/sns/v3/home?region=${region}#/topic/${topicArn}`;
}

/** The SQS console names a queue by its URL, escaped. */
export function queueLink(name: string, region: string, account: string): string {
  const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
  return `${consoleHost(region)}/sqs/v3/home?region=${region}#/queues/${encodeURIComponent(url)}`;
}

export function alarmLink(name: string, region: string): string {
  return `${consoleHost(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
}

/** The topic, failure queue and alarm of issue 11 (they need the account for their ARN and URL). */
export function messagingLinks(names: StackNames, region: string, account: string): ConsoleLink[] {
  const topicArn = `arn:${partitionOf(region)}:sns:${region}:${account}:${names.topic}`;
  return [
    { what: `topic ${names.topic}`, url: topicLink(topicArn, region) },
    { what: `failure queue ${names.failureQueue}`, url: queueLink(names.failureQueue, region, account) },
    { what: `alarm ${names.errorsAlarm}`, url: alarmLink(names.errorsAlarm, region) },
  ];
}

export function eventRuleLink(rule: string, region: string): string {
  return `${consoleHost(region)}/events/home?region=${region}#/eventbus/default/rules/${encodeURIComponent(rule)}`;
}

/** `eventRule`: the rule that triggers the tracker, when the stack uses EventBridge. */
export function stackLinks(
  names: StackNames,
  region: string,
  apiId?: string,
  eventRule?: string,
): ConsoleLink[] {
  const links: ConsoleLink[] = [
    { what: `data bucket ${names.dataBucket}`, url: bucketLink(names.dataBucket, region) },
    { what: `plot bucket ${names.plotBucket}`, url: bucketLink(names.plotBucket, region) },
    { what: `table ${names.table} (items)`, url: tableItemsLink(names.table, region) },
  ];
  for (const key of Object.keys(names.functions) as FunctionKey[]) {
    links.push({ what: `function ${names.functions[key]}`, url: functionLink(names.functions[key], region) });
    links.push({
      what: `log group ${names.logGroups[key]}`,
      url: logGroupLink(names.logGroups[key], region),
    });
    links.push({ what: `role ${names.roles[key]}`, url: roleLink(names.roles[key], region) });
  }
  if (apiId) links.push({ what: `REST API ${names.api}`, url: apiLink(apiId, region) });
  if (eventRule) links.push({ what: `EventBridge rule ${eventRule}`, url: eventRuleLink(eventRule, region) });
  return links;
}

export function ruleLink(rule: string, region: string): string {
  return `${consoleHost(region)}/events/home?region=${region}#/eventbus/default/rules/${encodeURIComponent(rule)}`;
}

/** Tracking's resources: the buckets `track` added, and in incremental mode the index and its schedule. */
export function trackingLinks(
  names: StackNames,
  region: string,
  tracking: { incremental: boolean; tracked: string[] },
): ConsoleLink[] {
  const links = tracking.tracked.map((bucket) => ({
    what: `tracked bucket ${bucket}`,
    url: bucketLink(bucket, region),
  }));
  if (tracking.incremental) {
    links.push(
      { what: `index table ${names.indexTable} (items)`, url: tableItemsLink(names.indexTable, region) },
      { what: `schedule ${names.reconcileRule}`, url: ruleLink(names.reconcileRule, region) },
    );
  }
  return links;
}
