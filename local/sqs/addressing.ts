// Which queue a request is about, as SQS finds it (the QueueUrl, or the queue URL a Query request was
// posted to), its URL as the client reached the edge, and the IAM requirement on it.
import type { Input } from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { missingParameter, queueDoesNotExist } from "./errors.ts";
import { parseQueueUrl, type QueueRecord, queueArn, queueUrl } from "./queues.ts";
import type { QueueState, SqsStore } from "./store.ts";

export type QueueAddressing = ReturnType<typeof queueAddressing>;

export function queueAddressing(ctx: CloudContext, store: SqsStore) {
  const account = ctx.accountId;
  /** The queue a request names: its QueueUrl, or (Query) the queue URL it was posted to. */
  const located = (input: Input, req: EdgeRequest) => {
    const url =
      input.QueueUrl ?? (/^\/\d{12}\/[^/]+\/?$/.test(req.path) ? `http://local${req.path}` : undefined);
    if (url === undefined || url === "") throw missingParameter("QueueUrl");
    return parseQueueUrl(String(url), req.region, account);
  };
  const queueOf = (input: Input, req: EdgeRequest): QueueState => {
    const { region, name } = located(input, req);
    const queue = store.get(region, name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  };
  /** `sqs:<action>` on the queue the request names, with the queue's policy. */
  const onQueue =
    (action: string) =>
    (input: Input, req: EdgeRequest): IamRequirement => {
      let where: { region: string; name: string };
      try {
        where = located(input, req);
      } catch {
        return { action: `sqs:${action}`, resources: ["*"] };
      }
      const policy = store.get(where.region, where.name)?.record.attributes.Policy;
      return {
        action: `sqs:${action}`,
        resources: [queueArn(where.region, account, where.name)],
        ...(policy ? { resourcePolicy: policy } : {}),
      };
    };
  const url = (req: EdgeRequest, record: QueueRecord) => queueUrl(req, ctx.endpoint, account, record.name);
  return { located, queueOf, onQueue, url };
}
