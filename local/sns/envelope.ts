// The documents SNS delivers: the JSON envelope (Notification, SubscriptionConfirmation) with its signature,
// the Lambda event record, and the text of the emails. Signed as SNS signs, with a key of this local
// cloud's own whose public half is served at SigningCertURL.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SIGNING_CERT_PATH = "/_aws/sns/SimpleNotificationService-local.pem";

export interface Published {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  /** ISO 8601 with milliseconds. */
  timestamp: string;
  attributes: Record<string, { Type: string; Value: string }>;
}

export class Signer {
  private loaded?: KeyObject;

  /**
   * The cloud's signing key lives in `dir`. It is read, or made the first time, when a message is first
   * signed: making a 2,048-bit key takes a quarter of a second, which a start that signs nothing skips.
   */
  constructor(private readonly dir: string) {}

  private get key(): KeyObject {
    if (!this.loaded) {
      const path = join(this.dir, "signing-key.pem");
      if (!existsSync(path)) {
        mkdirSync(this.dir, { recursive: true });
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      }
      this.loaded = createPrivateKey(readFileSync(path));
    }
    return this.loaded;
  }

  publicKeyPem(): string {
    return createPublicKey(this.key).export({ type: "spki", format: "pem" }).toString();
  }

  /** SNS's string to sign: the listed fields, each as "Name\nValue\n", in this order, absent ones left out. */
  sign(fields: Record<string, string | undefined>, names: string[], version: string): string {
    const text = names
      .filter((name) => fields[name] !== undefined)
      .map((name) => `${name}\n${fields[name]}\n`)
      .join("");
    return sign(version === "2" ? "sha256" : "sha1", Buffer.from(text), this.key).toString("base64");
  }
}

export interface Links {
  endpoint: string;
  signatureVersion: string;
}

export const unsubscribeUrl = (endpoint: string, subscriptionArn: string) =>
  `${endpoint}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;

export const confirmUrl = (endpoint: string, topicArn: string, token: string) =>
  `${endpoint}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;

/** The Notification envelope SQS, HTTP and email-json subscribers receive. */
export function notification(
  signer: Signer,
  links: Links,
  published: Published,
  subscriptionArn: string,
): Record<string, unknown> {
  const fields = {
    Type: "Notification",
    MessageId: published.messageId,
    TopicArn: published.topicArn,
    Subject: published.subject,
    Message: published.message,
    Timestamp: published.timestamp,
  };
  return {
    ...signed(signer, links, fields, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]),
    UnsubscribeURL: unsubscribeUrl(links.endpoint, subscriptionArn),
    ...(Object.keys(published.attributes).length > 0 ? { MessageAttributes: published.attributes } : {}),
  };
}

/** The SubscriptionConfirmation envelope HTTP and email-json endpoints receive before anything else. */
export function subscriptionConfirmation(
  signer: Signer,
  links: Links,
  topicArn: string,
  token: string,
  messageId: string,
): Record<string, unknown> {
  const fields = {
    Type: "SubscriptionConfirmation",
    MessageId: messageId,
    Token: token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: confirmUrl(links.endpoint, topicArn, token),
    Timestamp: new Date().toISOString(),
  };
  return signed(signer, links, fields, [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
  ]);
}

/** An envelope's fields with the signature over `names` and where to find the key that checks it. */
function signed(signer: Signer, links: Links, fields: Record<string, string | undefined>, names: string[]) {
  return {
    ...fields,
    SignatureVersion: links.signatureVersion,
    Signature: signer.sign(fields, names, links.signatureVersion),
    SigningCertURL: `${links.endpoint}${SIGNING_CERT_PATH}`,
  };
}

/** The event a subscribed function receives: one record, with the envelope's fields under `Sns`. */
export function lambdaEvent(
  envelope: Record<string, unknown>,
  subscriptionArn: string,
): Record<string, unknown> {
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? null,
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: envelope.SignatureVersion,
          Signature: envelope.Signature,
          SigningCertUrl: envelope.SigningCertURL,
          UnsubscribeUrl: envelope.UnsubscribeURL,
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

export function confirmationEmailBody(topicArn: string, link: string): string {
  return [
    "You have chosen to subscribe to the topic: ",
    topicArn,
    "",
    "To confirm this subscription, click or visit the link below (If this was in error no action is necessary): ",
    link,
    "",
  ].join("\n");
}

export function notificationEmailBody(message: string, unsubscribe: string): string {
  return [
    message,
    "",
    "--",
    "If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:",
    unsubscribe,
    "",
    "Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support",
    "",
  ].join("\n");
}
