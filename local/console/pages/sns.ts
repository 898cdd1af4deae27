// SNS as the AWS console shows it: the topics, and one topic's details, access policy, subscriptions with
// their status and tags — plus, since the local cloud sends no real email, the mail it would have sent.
import {
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
} from "@aws-sdk/client-sns";
import { html } from "../../../handlers/common/html.ts";
import { readOutbox } from "../../sns/outbox.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import {
  consoleHref,
  jsonBlock,
  keyValues,
  link,
  resourceCrumbs,
  section,
  status,
  table,
  tagsTable,
  time,
} from "../ui.ts";
import { arnLink } from "./arn-links.ts";

const OUTBOX_SHOWN = 20;

function topicName(arn: string | undefined): string {
  return arn?.split(":").pop() ?? "";
}

export async function topicsPage(request: PageRequest): Promise<ConsolePage> {
  const sns = request.clients(request.region).sns;
  const topics = await allPages(
    () => sns.send(new ListTopicsCommand({})),
    (NextToken) => sns.send(new ListTopicsCommand({ NextToken })),
    (page) => ({ items: page.Topics, token: page.NextToken }),
  );
  const attributes = await Promise.all(
    topics.map((topic) => settle(sns.send(new GetTopicAttributesCommand({ TopicArn: topic.TopicArn })))),
  );
  return {
    title: "Topics",
    breadcrumbs: [{ label: "Amazon SNS" }],
    body: table({
      caption: `Topics (${topics.length}) in ${request.region}`,
      headers: ["Name", "Type", "Display name", "Subscriptions confirmed", "Subscriptions pending", "ARN"],
      rows: topics.map((topic, index) => {
        const found = attributes[index]!;
        const values = found.ok ? (found.value.Attributes ?? {}) : {};
        return [
          link(
            consoleHref("sns/topic", { arn: topic.TopicArn, region: request.region }),
            topicName(topic.TopicArn),
          ),
          values.FifoTopic === "true" ? "FIFO" : "Standard",
          values.DisplayName,
          values.SubscriptionsConfirmed,
          values.SubscriptionsPending,
          topic.TopicArn,
        ];
      }),
      empty: `No topics in ${request.region}.`,
    }),
  };
}

export async function topicPage(request: PageRequest): Promise<ConsolePage> {
  const TopicArn = requiredParam(request, "arn");
  const sns = request.clients(request.region).sns;
  const { Attributes: attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  const [subscriptions, tags] = await Promise.all([
    settle(
      allPages(
        () => sns.send(new ListSubscriptionsByTopicCommand({ TopicArn })),
        (NextToken) => sns.send(new ListSubscriptionsByTopicCommand({ TopicArn, NextToken })),
        (page) => ({ items: page.Subscriptions, token: page.NextToken }),
      ),
    ),
    settle(sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))),
  ]);
  const outbox = readOutbox(request.dataDir, { topicArn: TopicArn }).reverse().slice(0, OUTBOX_SHOWN);
  const name = topicName(TopicArn);

  const body = html`${section(
    "details",
    "Details",
    keyValues([
      ["Name", name],
      ["ARN", TopicArn],
      ["Type", attributes.FifoTopic === "true" ? "FIFO" : "Standard"],
      ["Display name", attributes.DisplayName],
      ["Topic owner", attributes.Owner],
    ]),
  )}
${section(
  "subscriptions",
  "Subscriptions",
  shown(subscriptions, "subscriptions", (items) =>
    table({
      caption: `Subscriptions (${items.length})`,
      headers: ["ID", "Endpoint", "Status", "Protocol"],
      rows: items.map((subscription) => {
        const pending = subscription.SubscriptionArn === "PendingConfirmation";
        return [
          pending
            ? html`<span class="muted">–</span>`
            : html`<code>${subscription.SubscriptionArn?.split(":").pop()}</code>`,
          subscription.Protocol === "email" || subscription.Protocol === "email-json"
            ? subscription.Endpoint
            : arnLink(subscription.Endpoint, request.region),
          status(pending ? "Pending confirmation" : "Confirmed", pending ? "warn" : "good"),
          subscription.Protocol?.toUpperCase(),
        ];
      }),
      empty: "No subscriptions.",
    }),
  ),
)}
${section(
  "outbox",
  "Email outbox",
  table({
    caption: `Emails sent for this topic (newest ${outbox.length})`,
    headers: ["Time", "To", "Type", "Subject", "Body"],
    rows: outbox.map((email) => [
      time(email.time),
      email.to,
      email.type,
      email.subject,
      html`<pre class="log">${email.body}</pre>`,
    ]),
    empty: "No email sent for this topic.",
  }),
  "The local cloud sends no real email: what SNS would have mailed lands here (and in s3size notifications).",
)}
${section(
  "access-policy",
  "Access policy",
  attributes.Policy
    ? jsonBlock(attributes.Policy, "Access policy")
    : html`<p class="empty">No access policy.</p>`,
)}
${section(
  "tags",
  "Tags",
  shown(tags, "tags", (value) => tagsTable(value.Tags)),
)}`;
  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "Amazon SNS", page: "sns" },
      { label: "Topics" },
      name,
      request.region,
    ),
    body,
  };
}
