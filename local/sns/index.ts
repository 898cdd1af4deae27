// The local cloud's SNS: topics, subscriptions (SQS, Lambda, loopback HTTP(S), email into the outbox)
// with confirmation, filter policies and raw delivery, Publish and PublishBatch, tags; persisted in
// `<dataDir>/sns/`; and `ctx.sns` for the services that publish (CloudWatch alarms, S3, Lambda).
import { join } from "node:path";
import { dispatch, ServiceError } from "../protocol/operations.ts";
import { queryWire } from "../protocol/query.ts";
import { resourcePolicyAllows } from "../resource-policy.ts";
import type { CloudContext, Service } from "../types.ts";
import { checkMessage, checkMessageAttributes, checkSubject } from "./checks.ts";
import { Deliveries } from "./delivery.ts";
import { SIGNING_CERT_PATH, Signer } from "./envelope.ts";
import { SnsStore } from "./store.ts";
import { subscriptionOperations } from "./subscription-operations.ts";
import { topicOperations } from "./topic-operations.ts";
import { defaultTopicPolicy, topicAddressing } from "./topics.ts";

const NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";
/** The links SNS puts in emails and envelopes work without a signature, as AWS's do. */
const LINK_OPERATIONS = new Set(["ConfirmSubscription", "Unsubscribe"]);

export async function createSnsService(ctx: CloudContext): Promise<Service> {
  const dir = join(ctx.dataDir, "sns");
  const store = new SnsStore(dir);
  const signer = new Signer(dir);
  const deliveries = new Deliveries(ctx, store, signer);
  const address = topicAddressing(ctx, store);
  const operations = {
    ...topicOperations(ctx, store, deliveries, address),
    ...subscriptionOperations(ctx, store, deliveries, address),
  };
  const wire = queryWire(NAMESPACE);

  ctx.sns = {
    async publish(topicArn, message, options = {}) {
      const topic = store.topics.get(topicArn);
      if (!topic) throw new Error(`SNS topic ${topicArn} does not exist`);
      const policy = topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, ctx.accountId);
      if (options.caller && !resourcePolicyAllows(policy, "sns:Publish", topicArn, options.caller)) {
        throw new Error(
          `the policy of SNS topic ${topicArn} does not allow ${options.caller.principal} to publish`,
        );
      }
      const attributes = checkMessageAttributes(options.attributes);
      const subject = checkSubject(options.subject);
      const messageId = deliveries.publish(topic, {
        message: checkMessage(message, undefined, attributes),
        attributes,
        ...(subject !== undefined ? { subject } : {}),
      });
      return { messageId };
    },
  };

  return {
    name: "sns",
    async handle(req, res) {
      if (req.method === "GET" && req.path === SIGNING_CERT_PATH) {
        const pem = signer.publicKeyPem();
        res.writeHead(200, {
          "content-type": "application/x-pem-file",
          "content-length": Buffer.byteLength(pem),
        });
        res.end(pem);
        return;
      }
      const anonymousLink =
        req.accessKeyId === undefined && LINK_OPERATIONS.has(req.query.get("Action") ?? "");
      await dispatch(ctx, req, res, wire, operations, {
        unknownOperation: (name) =>
          new ServiceError(
            400,
            "InvalidAction",
            `The action ${name || "(none)"} is not valid for this web service.`,
          ),
        accessDenied: (message) =>
          new ServiceError(403, "AuthorizationErrorException", message, "AuthorizationError"),
        ...(anonymousLink ? { anonymous: true } : {}),
      });
    },
  };
}
