// `s3size notifications`: where the topic's messages go. On the local cloud, which sends no email, the
// mails SNS would have sent are kept in an outbox: this prints them, newest first. On AWS it says which
// addresses get the mail and whether each has confirmed its subscription yet.
import { ListSubscriptionsByTopicCommand, type Subscription } from "@aws-sdk/client-sns";
import type { OutboxEmail } from "../../local/sns/outbox.ts";
import { isNotFound, UserError } from "../errors.ts";
import { parseWholeNumber } from "../flag-values.ts";
import { arns } from "../provision/context.ts";
import { isPending, wantedEmail } from "../provision/topic.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./types.ts";

async function readOutbox(endpoint: string, topicArn: string): Promise<OutboxEmail[]> {
  const url = new URL("/_s3size/outbox", endpoint);
  url.searchParams.set("topicArn", topicArn);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new UserError(`cannot reach ${endpoint} for its outbox`, "is the local cloud running?", {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new UserError(
      `${endpoint} keeps no email outbox (it is not an s3size local cloud)`,
      "run it with --local, or --endpoint-url pointing at a running `s3size local`",
    );
  }
  return ((await response.json()) as { emails: OutboxEmail[] }).emails;
}

async function topicSubscriptions(session: Session, topicArn: string): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await session.clients.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }),
    );
    found.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

export const notificationsCommand: CommandSpec = {
  options: [
    {
      flags: "--limit <n>",
      description: "how many of the newest emails to print (local cloud)",
      default: "10",
    },
  ],
  async run(session, options) {
    const { output } = session;
    const limit = parseWholeNumber(
      String(options.limit ?? "10"),
      "--limit",
      { min: 1, max: 10_000 },
      "e.g. --limit 20",
    );
    await session.account();
    const ctx = await session.provisionContext(session.loadState(), true);
    const topicArn = arns(ctx).topic;
    let subscriptions: Subscription[];
    try {
      subscriptions = await topicSubscriptions(session, topicArn);
    } catch (error) {
      if (isNotFound(error))
        throw new UserError(`the topic ${ctx.names.topic} does not exist`, "run s3size setup first", {
          cause: error,
        });
      throw error;
    }
    const shown = subscriptions.map((s) => ({
      protocol: s.Protocol,
      endpoint: s.Endpoint,
      state: isPending(s) ? "pending" : "confirmed",
    }));
    const email = wantedEmail(ctx);
    const emails = session.endpoint
      ? (await readOutbox(session.endpoint, topicArn)).reverse().slice(0, limit)
      : undefined;
    const document = {
      topic: ctx.names.topic,
      topicArn,
      notifyEmail: email ?? null,
      subscriptions: shown,
      ...(emails ? { outbox: emails } : {}),
    };
    output.result(document, () => {
      if (shown.length === 0) {
        output.line(`nobody is subscribed to ${ctx.names.topic}: run s3size setup --notify-email <address>`);
      }
      for (const s of shown) {
        const hint =
          s.state === "pending"
            ? emails
              ? " (open the confirmation link below)"
              : " (click the link in the email AWS sent to confirm)"
            : "";
        output.line(`${s.protocol} ${s.endpoint}: ${s.state}${hint}`);
      }
      if (!emails) {
        output.line(`AWS mails each message of ${ctx.names.topic} to the confirmed addresses above`);
        return;
      }
      output.line(`local cloud: no email is sent; the ${emails.length} newest of the outbox (newest first):`);
      for (const mail of emails) {
        output.line();
        output.line(`${mail.time}  to ${mail.to}  ${mail.type}`);
        output.line(`subject: ${mail.subject}`);
        if (mail.confirmUrl) output.line(`confirm: ${mail.confirmUrl}`);
        else output.line(mail.body.trimEnd());
      }
    });
    return 0;
  },
};
