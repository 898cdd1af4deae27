// What every provisioning step works with: the clients, the stack's names, the state record, and
// `change`, through which every mutating call goes so a step can report (or, dry, only list) what it changed.

import type { PackagedFunction } from "../../build/package.ts";
import type { AwsClients } from "../aws-clients.ts";
import { type FunctionKey, type Settings, STACK_TAG_KEY, type StackNames } from "../config.ts";
import { isNotFound } from "../errors.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import type { StackState } from "../state.ts";

export interface ProvisionContext {
  clients: AwsClients;
  settings: Settings;
  names: StackNames;
  account: string;
  region: string;
  /** The endpoint the clients talk to; undefined on AWS. */
  endpoint?: string;
  state: StackState;
  saveState(): void;
  /** When true, `change` only records what it would do (status, teardown's confirmation list). */
  dryRun: boolean;
  changes: string[];
  notes: string[];
  /** Builds the zips; injected so tests can package once. */
  packageFunctions(): Promise<PackagedFunction[]>;
  progress(text: string): void;
}

/** Runs one mutating call (retrying throttles and conflicts) and records it as a change. */
export async function change<T>(
  ctx: ProvisionContext,
  what: string,
  action: () => Promise<T>,
): Promise<T | undefined> {
  ctx.changes.push(what);
  if (ctx.dryRun) return undefined;
  ctx.progress(what);
  return withRetry(action, { when: [isThrottle, isConflict] });
}

/** Runs a read, retrying throttles (reads are safe to repeat). */
export function read<T>(action: () => Promise<T>): Promise<T> {
  return withRetry(action, { when: [isThrottle] });
}

/** A read whose "does not exist" answer is undefined rather than an error. */
export async function readIfExists<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read(action);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function stackTags(names: StackNames): Record<string, string> {
  return { [STACK_TAG_KEY]: names.stack };
}

export function tagList(names: StackNames): Array<{ Key: string; Value: string }> {
  return [{ Key: STACK_TAG_KEY, Value: names.stack }];
}

export function hasStackTag(
  tags: Array<{ Key?: string; Value?: string }> | Record<string, string> | undefined,
  stack: string,
): boolean {
  if (!tags) return false;
  if (Array.isArray(tags)) return tags.some((tag) => tag.Key === STACK_TAG_KEY && tag.Value === stack);
  return tags[STACK_TAG_KEY] === stack;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** ARNs of the stack's resources, computed from names so even a dry run can write policies. */
export function arns(ctx: Pick<ProvisionContext, "names" | "account" | "region">) {
  const p = partitionOf(ctx.region);
  const { names, account, region } = ctx;
  return {
    bucket: (name: string) => `arn:${p}:s3:::${name}`,
    object: (bucket: string, key: string) => `arn:${p}:s3:::${bucket}/${key}`,
    table: `arn:${p}:dynamodb:${region}:${account}:table/${names.table}`,
    index: (index: string) => `arn:${p}:dynamodb:${region}:${account}:table/${names.table}/index/${index}`,
    role: (key: FunctionKey) => `arn:${p}:iam::${account}:role/${names.roles[key]}`,
    function: (key: FunctionKey) => `arn:${p}:lambda:${region}:${account}:function:${names.functions[key]}`,
    logStreams: (key: FunctionKey) =>
      `arn:${p}:logs:${region}:${account}:log-group:${names.logGroups[key]}:*`,
    logGroup: (key: FunctionKey) => `arn:${p}:logs:${region}:${account}:log-group:${names.logGroups[key]}`,
    apiMethod: (apiId: string, method: string, path: string) =>
      `arn:${p}:execute-api:${region}:${account}:${apiId}/*/${method}${path}`,
    topic: `arn:${p}:sns:${region}:${account}:${names.topic}`,
    failureQueue: `arn:${p}:sqs:${region}:${account}:${names.failureQueue}`,
    errorsAlarm: `arn:${p}:cloudwatch:${region}:${account}:alarm:${names.errorsAlarm}`,
  };
}

/** Marks a bucket or table as created by this stack, before anything else can fail. */
export function recordCreated(ctx: ProvisionContext, name: string): void {
  if (!ctx.state.created.includes(name)) ctx.state.created.push(name);
  ctx.saveState();
}
