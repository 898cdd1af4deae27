// S3 as the AWS console shows it: the general purpose buckets, and one bucket's Objects (with versions),
// Properties (versioning, tags, default encryption, event notifications) and Permissions (block public
// access, bucket policy, CORS).
import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type NotificationConfiguration,
  type S3Client,
} from "@aws-sdk/client-s3";
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { settle, shown, unlessAbsent } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import {
  consoleHref,
  jsonBlock,
  keyValues,
  link,
  notConfigured,
  resourceCrumbs,
  section,
  status,
  table,
  tagsTable,
  time,
} from "../ui.ts";
import { arnLink } from "./arn-links.ts";
import { objectsSection } from "./s3-objects.ts";

export async function bucketRegion(s3: S3Client, bucket: string): Promise<string> {
  const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
  return LocationConstraint || "us-east-1";
}

export async function bucketsPage(request: PageRequest): Promise<ConsolePage> {
  // Bucket names are global: the list is the same in every region, each bucket naming its own.
  const s3 = request.clients(request.region).s3;
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  const regions = await Promise.all(Buckets.map((bucket) => settle(bucketRegion(s3, bucket.Name!))));
  const rows = Buckets.map((bucket, index) => {
    const region = regions[index]!;
    return [
      link(consoleHref("s3/bucket", { name: bucket.Name, region: request.region }), bucket.Name),
      region.ok ? region.value : "unknown",
      time(bucket.CreationDate),
    ];
  });
  return {
    title: "General purpose buckets",
    breadcrumbs: [{ label: "Amazon S3" }],
    body: table({
      caption: `General purpose buckets (${Buckets.length})`,
      headers: ["Name", "AWS Region", "Creation date"],
      rows,
      empty: "No buckets. Buckets that setup creates appear here.",
    }),
  };
}

export async function bucketPage(request: PageRequest): Promise<ConsolePage> {
  const name = requiredParam(request, "name");
  const region = await bucketRegion(request.clients(request.region).s3, name);
  // A bucket's requests are signed for its own region, as on S3's regional endpoints.
  const s3 = request.clients(region).s3;
  const Bucket = name;
  const [versioning, tags, encryption, notifications, publicAccess, policy, cors] = await Promise.all([
    settle(s3.send(new GetBucketVersioningCommand({ Bucket }))),
    unlessAbsent(s3.send(new GetBucketTaggingCommand({ Bucket })), "NoSuchTagSet"),
    unlessAbsent(
      s3.send(new GetBucketEncryptionCommand({ Bucket })),
      "ServerSideEncryptionConfigurationNotFoundError",
    ),
    settle(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))),
    unlessAbsent(
      s3.send(new GetPublicAccessBlockCommand({ Bucket })),
      "NoSuchPublicAccessBlockConfiguration",
    ),
    unlessAbsent(s3.send(new GetBucketPolicyCommand({ Bucket })), "NoSuchBucketPolicy"),
    unlessAbsent(s3.send(new GetBucketCorsCommand({ Bucket })), "NoSuchCORSConfiguration"),
  ]);
  const versioningStatus = versioning.ok ? (versioning.value.Status ?? "Disabled") : undefined;
  const contents = html`<nav class="contents" aria-label="On this page"><ul>
<li><a href="#objects">Objects</a></li><li><a href="#properties">Properties</a></li>
<li><a href="#event-notifications">Event notifications</a></li><li><a href="#permissions">Permissions</a></li>
</ul></nav>`;
  const body = html`${contents}
${keyValues([
  ["AWS Region", region],
  ["Amazon Resource Name (ARN)", `arn:aws:s3:::${name}`],
  ["Bucket Versioning", versioningStatus],
])}
${await objectsSection(request, s3, name)}
${section(
  "properties",
  "Properties",
  html`<h3>Bucket Versioning</h3>${shown(versioning, "versioning", (value) =>
    keyValues([
      [
        "Bucket Versioning",
        status(value.Status ?? "Disabled", value.Status === "Enabled" ? "good" : "neutral"),
      ],
      ["Multi-factor authentication (MFA) delete", value.MFADelete ?? "Disabled"],
    ]),
  )}
<h3>Tags</h3>${shown(tags, "tags", (value) => tagsTable(value?.TagSet))}
<h3>Default encryption</h3>${shown(encryption, "default encryption", (value) => {
    const rule = value?.ServerSideEncryptionConfiguration?.Rules?.[0];
    if (!rule) return notConfigured("No default encryption configured.");
    return keyValues([
      ["Encryption type", rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm],
      ["AWS KMS key", rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID],
      ["Bucket Key", rule.BucketKeyEnabled ? "Enabled" : "Disabled"],
    ]);
  })}`,
)}
${section(
  "event-notifications",
  "Event notifications",
  shown(notifications, "event notifications", (value) => notificationsTable(value, request.region)),
  "Deliveries S3 makes when objects are created or removed.",
)}
${section(
  "permissions",
  "Permissions",
  html`<h3>Block public access (bucket settings)</h3>${shown(publicAccess, "block public access", (value) =>
    publicAccessPanel(value?.PublicAccessBlockConfiguration),
  )}
<h3>Bucket policy</h3>${shown(policy, "bucket policy", (value) =>
    value?.Policy ? jsonBlock(value.Policy, "Bucket policy") : notConfigured("No policy to display."),
  )}
<h3>Cross-origin resource sharing (CORS)</h3>${shown(cors, "CORS", (value) =>
    value?.CORSRules?.length
      ? jsonBlock(value.CORSRules, "CORS rules")
      : notConfigured("No configurations to display."),
  )}`,
)}`;
  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "Amazon S3", page: "s3" },
      { label: "Buckets" },
      name,
      request.region,
    ),
    body,
  };
}

type PublicAccess = {
  BlockPublicAcls?: boolean;
  IgnorePublicAcls?: boolean;
  BlockPublicPolicy?: boolean;
  RestrictPublicBuckets?: boolean;
};

function publicAccessPanel(config: PublicAccess | undefined): SafeHtml {
  const flags: Array<[string, keyof PublicAccess]> = [
    [
      "Block public access to buckets and objects granted through new access control lists (ACLs)",
      "BlockPublicAcls",
    ],
    [
      "Block public access to buckets and objects granted through any access control lists (ACLs)",
      "IgnorePublicAcls",
    ],
    [
      "Block public access to buckets and objects granted through new public bucket or access point policies",
      "BlockPublicPolicy",
    ],
    [
      "Block public and cross-account access to buckets and objects through any public bucket or access point policies",
      "RestrictPublicBuckets",
    ],
  ];
  const all = flags.every(([, key]) => config?.[key] === true);
  return keyValues([
    ["Block all public access", status(all ? "On" : "Off", all ? "good" : "warn")],
    ...flags.map(([label, key]): [string, SafeHtml] => [
      label,
      status(config?.[key] ? "On" : "Off", config?.[key] ? "good" : "warn"),
    ]),
  ]);
}

function filterText(rules: Array<{ Name?: string; Value?: string }> | undefined): string {
  const parts = (rules ?? []).map((rule) => `${rule.Name?.toLowerCase()}: ${rule.Value}`);
  return parts.length > 0 ? parts.join(", ") : "–";
}

function notificationsTable(config: NotificationConfiguration, region: string): SafeHtml {
  const rows = [
    ...(config.LambdaFunctionConfigurations ?? []).map((item) => ({
      id: item.Id,
      events: item.Events,
      filter: item.Filter?.Key?.FilterRules,
      type: "Lambda function",
      arn: item.LambdaFunctionArn,
    })),
    ...(config.QueueConfigurations ?? []).map((item) => ({
      id: item.Id,
      events: item.Events,
      filter: item.Filter?.Key?.FilterRules,
      type: "SQS queue",
      arn: item.QueueArn,
    })),
    ...(config.TopicConfigurations ?? []).map((item) => ({
      id: item.Id,
      events: item.Events,
      filter: item.Filter?.Key?.FilterRules,
      type: "SNS topic",
      arn: item.TopicArn,
    })),
  ];
  const eventBridge = config.EventBridgeConfiguration !== undefined;
  return html`${table({
    caption: `Event notifications (${rows.length})`,
    headers: ["Name", "Event types", "Filters", "Destination type", "Destination"],
    rows: rows.map((row) => [
      row.id,
      (row.events ?? []).join(", "),
      filterText(row.filter),
      row.type,
      arnLink(row.arn, region),
    ]),
    empty: "No event notifications. Choose a destination with setup or PutBucketNotificationConfiguration.",
  })}
<h3>Amazon EventBridge</h3>${keyValues([
    [
      "Send notifications to Amazon EventBridge for all events in this bucket",
      status(eventBridge ? "On" : "Off", eventBridge ? "good" : "neutral"),
    ],
  ])}`;
}
