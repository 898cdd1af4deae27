// SQS as the AWS console shows it: the queues with their message counts, and one queue's details,
// dead-letter queue, access policy and tags. It never receives a message: receiving would hide the
// messages from their consumers for the visibility timeout, and the console changes nothing.
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
} from "@aws-sdk/client-sqs";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import {
  consoleHref,
  jsonBlock,
  keyValues,
  link,
  resourceCrumbs,
  section,
  table,
  tagsTable,
  time,
} from "../ui.ts";
import { arnLink } from "./arn-links.ts";

function seconds(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const total = Number(value);
  if (total >= 86_400 && total % 86_400 === 0) return `${total / 86_400} day(s)`;
  if (total >= 60 && total % 60 === 0) return `${total / 60} minute(s)`;
  return `${total} second(s)`;
}

function epochSeconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value) * 1000;
}

export async function queuesPage(request: PageRequest): Promise<ConsolePage> {
  const sqs = request.clients(request.region).sqs;
  const urls = await allPages(
    () => sqs.send(new ListQueuesCommand({ MaxResults: 1000 })),
    (NextToken) => sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken })),
    (page) => ({ items: page.QueueUrls, token: page.NextToken }),
  );
  const attributes = await Promise.all(
    urls.map((QueueUrl) =>
      settle(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))),
    ),
  );
  return {
    title: "Queues",
    breadcrumbs: [{ label: "Amazon SQS" }],
    body: table({
      caption: `Queues (${urls.length}) in ${request.region}`,
      headers: ["Name", "Type", "Created", "Messages available", "Messages in flight", "Messages delayed"],
      rows: urls.map((url, index) => {
        const found = attributes[index]!;
        const values = found.ok ? (found.value.Attributes ?? {}) : {};
        return [
          link(
            consoleHref("sqs/queue", { arn: values.QueueArn, region: request.region }),
            url.split("/").pop(),
          ),
          values.FifoQueue === "true" ? "FIFO" : "Standard",
          time(epochSeconds(values.CreatedTimestamp)),
          values.ApproximateNumberOfMessages,
          values.ApproximateNumberOfMessagesNotVisible,
          values.ApproximateNumberOfMessagesDelayed,
        ];
      }),
      empty: `No queues in ${request.region}.`,
    }),
  };
}

export async function queuePage(request: PageRequest): Promise<ConsolePage> {
  const arn = requiredParam(request, "arn");
  const [, , , , account, name = ""] = arn.split(":");
  const sqs = request.clients(request.region).sqs;
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  const [{ Attributes: values = {} }, tags] = await Promise.all([
    sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] })),
    settle(sqs.send(new ListQueueTagsCommand({ QueueUrl }))),
  ]);
  let redrive: { deadLetterTargetArn?: string; maxReceiveCount?: number } | undefined;
  try {
    redrive = values.RedrivePolicy ? JSON.parse(values.RedrivePolicy) : undefined;
  } catch {
    redrive = undefined;
  }

  const body = html`${section(
    "details",
    "Details",
    keyValues([
      ["Name", name],
      ["Type", values.FifoQueue === "true" ? "FIFO" : "Standard"],
      ["ARN", values.QueueArn],
      ["URL", QueueUrl],
      [
        "Encryption",
        values.SqsManagedSseEnabled === "true"
          ? "Amazon SQS key (SSE-SQS)"
          : values.KmsMasterKeyId
            ? "AWS KMS key"
            : "Disabled",
      ],
      ["Created", time(epochSeconds(values.CreatedTimestamp))],
      ["Last updated", time(epochSeconds(values.LastModifiedTimestamp))],
      [
        "Maximum message size",
        values.MaximumMessageSize === undefined
          ? undefined
          : `${Number(values.MaximumMessageSize) / 1024} KB`,
      ],
      ["Message retention period", seconds(values.MessageRetentionPeriod)],
      ["Default visibility timeout", seconds(values.VisibilityTimeout)],
      ["Delivery delay", seconds(values.DelaySeconds)],
      ["Receive message wait time", seconds(values.ReceiveMessageWaitTimeSeconds)],
    ]),
  )}
${section(
  "monitoring",
  "Messages",
  keyValues([
    ["Messages available", values.ApproximateNumberOfMessages],
    ["Messages in flight", values.ApproximateNumberOfMessagesNotVisible],
    ["Messages delayed", values.ApproximateNumberOfMessagesDelayed],
  ]),
  "Approximate counts, as SQS reports them. The console never receives messages (that would hide them from their consumers); s3size failures lists the failure queue's.",
)}
${section(
  "dead-letter-queue",
  "Dead-letter queue",
  redrive
    ? keyValues([
        ["Dead-letter queue", arnLink(redrive.deadLetterTargetArn, request.region)],
        ["Maximum receives", String(redrive.maxReceiveCount ?? "")],
      ])
    : html`<p class="empty">No dead-letter queue.</p>`,
)}
${section(
  "access-policy",
  "Access policy",
  values.Policy
    ? jsonBlock(values.Policy, "Access policy")
    : html`<p class="empty">No access policy: only the owner can use the queue.</p>`,
)}
${section(
  "tags",
  "Tags",
  shown(tags, "tags", (value) => tagsTable(value.Tags)),
)}`;
  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "Amazon SQS", page: "sqs" },
      { label: "Queues" },
      name,
      request.region,
    ),
    body,
  };
}
