// AWS's naming rules for every name a stack uses, checked before the first call so a name AWS would
// refuse halfway through setup (after buckets and a table exist) is refused up front instead.
import { UserError } from "./errors.ts";

export function validateBucketName(name: string, what: string): void {
  const problem =
    name.length < 3 || name.length > 63
      ? "it must be 3 to 63 characters long"
      : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
        ? "only lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
        : name.includes("..")
          ? "it must not contain '..'"
          : /^\d+\.\d+\.\d+\.\d+$/.test(name)
            ? "it must not look like an IP address"
            : name.startsWith("xn--") ||
                name.startsWith("sthree-") ||
                name.endsWith("-s3alias") ||
                name.endsWith("--ol-s3") ||
                name.endsWith(".mrap") ||
                name.endsWith("--x-s3")
              ? "that prefix or suffix is reserved by S3"
              : undefined;
  if (problem)
    throw new UserError(
      `invalid bucket name "${name}" (${what}): ${problem}`,
      "S3 bucket names are lowercase and global, e.g. testbucket-123456789012-us-east-1",
    );
}

/** The longest name derived from the prefix: `<prefix>-size-tracking-role` (IAM role names: 64 at most). */
const LONGEST_ROLE_SUFFIX = "-size-tracking-role".length;

interface NamedSettings {
  stack: string;
  table: string;
  indexTable: string;
  functionPrefix: string;
  apiName: string;
  stage: string;
}

type Rule = { test: (value: string) => boolean; what: string; rule: string; source: string };

const RULES: Record<keyof NamedSettings, Rule> = {
  table: {
    test: (v) => /^[a-zA-Z0-9_.-]{3,255}$/.test(v),
    what: "table name",
    rule: "DynamoDB table names are 3 to 255 letters, digits, '_', '-' or '.'",
    source: "--table / S3SIZE_TABLE",
  },
  indexTable: {
    test: (v) => /^[a-zA-Z0-9_.-]{3,255}$/.test(v),
    what: "index table name",
    rule: "DynamoDB table names are 3 to 255 letters, digits, '_', '-' or '.'",
    source: "--index-table / S3SIZE_INDEX_TABLE",
  },
  functionPrefix: {
    test: (v) => /^[a-zA-Z0-9_-]+$/.test(v) && v.length <= 64 - LONGEST_ROLE_SUFFIX,
    what: "function prefix",
    rule: `1 to ${64 - LONGEST_ROLE_SUFFIX} letters, digits, '-' or '_' (it begins the function and role names, which AWS limits to 64)`,
    source: "--function-prefix / S3SIZE_FUNCTION_PREFIX",
  },
  // A tag value: up to 256 letters, digits, spaces and _ . : / = + - @ (the rule S3, Lambda and IAM share).
  stack: {
    test: (v) => /^[\p{L}\p{N}_.:/=+@ -]{1,256}$/u.test(v) && v.trim() === v,
    what: "stack name",
    rule: "1 to 256 letters, digits, spaces or _ . : / = + - @, as a tag value allows, with no space at either end",
    source: "--stack / S3SIZE_STACK",
  },
  stage: {
    test: (v) => /^[a-zA-Z0-9_]{1,128}$/.test(v),
    what: "stage name",
    rule: "API Gateway stage names are 1 to 128 letters, digits or '_'",
    source: "--stage / S3SIZE_STAGE",
  },
  // API Gateway refuses an empty REST API name ("Invalid REST API name specified"); control characters
  // and outer spaces make a name no one can find in the console.
  apiName: {
    test: (v) => v.length >= 1 && v.length <= 1024 && v.trim() === v && !/\p{Cc}/u.test(v),
    what: "API name",
    rule: "1 to 1024 characters, no control characters and no space at either end",
    source: "--api-name / S3SIZE_API_NAME",
  },
};

export function validateNames(settings: NamedSettings): void {
  for (const [key, rule] of Object.entries(RULES) as Array<[keyof NamedSettings, Rule]>) {
    const value = settings[key];
    if (!rule.test(value)) {
      throw new UserError(`invalid ${rule.what} ${JSON.stringify(value)} (${rule.source})`, rule.rule);
    }
  }
}

/** SNS topic and SQS queue names, and the address `--notify-email` subscribes (issue 11). */
export function validateMessagingNames(settings: {
  topicName: string;
  failureQueue: string;
  notifyEmail?: string;
}): void {
  if (!/^[a-zA-Z0-9_-]{1,256}$/.test(settings.topicName)) {
    throw new UserError(
      `invalid topic name ${JSON.stringify(settings.topicName)} (--topic-name / S3SIZE_TOPIC_NAME)`,
      "SNS topic names are 1 to 256 letters, digits, '-' or '_'",
    );
  }
  if (!/^[a-zA-Z0-9_-]{1,80}$/.test(settings.failureQueue)) {
    throw new UserError(
      `invalid queue name ${JSON.stringify(settings.failureQueue)} (--failure-queue / S3SIZE_FAILURE_QUEUE)`,
      "SQS queue names are 1 to 80 letters, digits, '-' or '_' (a standard queue: no .fifo)",
    );
  }
  const email = settings.notifyEmail;
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new UserError(
      `invalid email address ${JSON.stringify(email)} (--notify-email / S3SIZE_NOTIFY_EMAIL)`,
      'give an address such as student@example.com, or --notify-email "" to remove the subscription',
    );
  }
}
