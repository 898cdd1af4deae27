// The local stand-in for email: every confirmation request and notification SNS would email lands, one JSON
// line each, in `<dataDir>/sns/outbox.jsonl`, which `s3size notifications` and `GET /_s3size/outbox` read.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface OutboxEmail {
  /** ISO 8601, when SNS "sent" it. */
  time: string;
  to: string;
  from: string;
  subject: string;
  body: string;
  /** "SubscriptionConfirmation" or "Notification". */
  type: string;
  topicArn: string;
  subscriptionArn?: string;
  /** For a confirmation: the link that confirms the subscription (the edge's ConfirmSubscription URL). */
  confirmUrl?: string;
}

export function outboxPath(dataDir: string): string {
  return join(dataDir, "sns", "outbox.jsonl");
}

export function appendToOutbox(dataDir: string, email: OutboxEmail): void {
  mkdirSync(join(dataDir, "sns"), { recursive: true });
  appendFileSync(outboxPath(dataDir), `${JSON.stringify(email)}\n`);
}

/** The outbox, oldest first; optionally only one address's or one topic's mail. A torn last line is skipped. */
export function readOutbox(dataDir: string, filter: { to?: string; topicArn?: string } = {}): OutboxEmail[] {
  let text: string;
  try {
    text = readFileSync(outboxPath(dataDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const emails: OutboxEmail[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      emails.push(JSON.parse(line) as OutboxEmail);
    } catch {
      // a line being written while we read
    }
  }
  return emails.filter(
    (email) =>
      (filter.to === undefined || email.to === filter.to) &&
      (filter.topicArn === undefined || email.topicArn === filter.topicArn),
  );
}
