// What SNS knows about a topic beyond its record: its settable attributes, the policy a new topic gets,
// the delivery policy it reports, and how a request names a topic or subscription (with the IAM
// requirement on it: the topic's ARN, the topic's policy as resource policy).
import type { Input } from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { invalidParameter, notFound, topicArnParts } from "./checks.ts";
import type { SnsStore, SubscriptionRecord, TopicRecord } from "./store.ts";

export const TOPIC_ATTRIBUTES = new Set([
  "DisplayName",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "SignatureVersion",
  "TracingConfig",
  "DataProtectionPolicy",
  ...["HTTP", "Lambda", "SQS", "Application", "Firehose"].flatMap((kind) => [
    `${kind}SuccessFeedbackRoleArn`,
    `${kind}SuccessFeedbackSampleRate`,
    `${kind}FailureFeedbackRoleArn`,
  ]),
]);
export const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: "linear",
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
  },
});

/** The policy AWS gives a new topic: the owning account may do everything to it. */
export function defaultTopicPolicy(arn: string, account: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": account } },
      },
    ],
  });
}

export function checkTopicAttribute(name: string, value: string): void {
  if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter("AttributeName");
  const valid =
    (name === "Policy" && isJsonObject(value)) ||
    (name === "DeliveryPolicy" && (value === "" || isJsonObject(value))) ||
    (name === "SignatureVersion" && ["1", "2"].includes(value)) ||
    (name === "TracingConfig" && ["PassThrough", "Active"].includes(value)) ||
    (name === "DisplayName" && value.length <= 100) ||
    !["Policy", "DeliveryPolicy", "SignatureVersion", "TracingConfig", "DisplayName"].includes(name);
  if (!valid) throw invalidParameter(`Attributes Reason: ${name}: Invalid value [${value}]`);
}

function isJsonObject(text: string): boolean {
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export type TopicAddressing = ReturnType<typeof topicAddressing>;

export function topicAddressing(ctx: CloudContext, store: SnsStore) {
  const account = ctx.accountId;
  const topicArnOf = (req: EdgeRequest, value: unknown, field = "TopicArn") => {
    const { name } = topicArnParts(value, field, req.region, account);
    return `arn:aws:sns:${req.region}:${account}:${name}`;
  };
  const topicOf = (req: EdgeRequest, value: unknown, field = "TopicArn"): TopicRecord => {
    const topic = store.topics.get(topicArnOf(req, value, field));
    if (!topic) throw notFound("Topic");
    return topic;
  };
  const subscriptionOf = (req: EdgeRequest, value: unknown): SubscriptionRecord => {
    const { subscriptionId } = topicArnParts(value, "SubscriptionArn", req.region, account);
    if (!subscriptionId) throw invalidParameter("SubscriptionId");
    const subscription = store.subscriptions.get(String(value));
    if (!subscription) throw notFound("Subscription");
    return subscription;
  };
  /** `sns:<action>` on the topic named by `field` (or owning the subscription), with the topic's policy. */
  const onTopic =
    (action: string, field = "TopicArn") =>
    (input: Input): IamRequirement => {
      const value = String(input[field] ?? "");
      const arn = field === "SubscriptionArn" ? value.split(":").slice(0, 6).join(":") : value;
      const topic = store.topics.get(arn);
      return {
        action: `sns:${action}`,
        resources: [arn || "*"],
        ...(topic ? { resourcePolicy: policyOf(topic) } : {}),
      };
    };
  const policyOf = (topic: TopicRecord) => topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, account);
  const anywhere = (action: string) => (): IamRequirement => ({ action: `sns:${action}`, resources: ["*"] });
  return { topicArnOf, topicOf, subscriptionOf, onTopic, policyOf, anywhere };
}
