// Bucket configurations kept on the bucket record: notification, public access block, default
// encryption, tags, policy, CORS, ACL and ownership controls. Each Get/Put/Delete declares its IAM action.
import { xmlChildren, xmlEscape, xmlText } from "../../protocol/xml.ts";
import { hasIntegrityCheck } from "../checksums.ts";
import { parseCorsConfiguration, renderCorsConfiguration } from "../cors.ts";
import { testEventMessage } from "../events.ts";
import { S3Failure } from "../failure.ts";
import {
  parseNotificationConfiguration,
  renderNotificationConfiguration,
  validateNotificationConfiguration,
} from "../notification-config.ts";
import { checkBucketPolicy } from "../policy.ts";
import type { BucketRecord, EncryptionRule } from "../store/records.ts";
import { BUCKET_TAG_LIMIT, checkTags, renderTagging, tagsFromBody } from "../tags.ts";
import { header, malformedXml, S3_NS, type S3Call, sendEmpty, sendXml, xmlBody } from "../wire.ts";
import { onBucket, requireBucket, type S3Env, type S3Operation } from "./table.ts";

const PUBLIC_ACCESS_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
];

function requireIntegrity(call: S3Call): void {
  if (!hasIntegrityCheck(call.req.headers)) {
    throw new S3Failure(400, "InvalidRequest", "Missing required header for this request: Content-MD5");
  }
}

function missing(code: string, message: string, call: S3Call): S3Failure {
  return new S3Failure(404, code, message, { BucketName: call.bucket });
}

/** A Get, Put and Delete of one configuration, sharing the subresource and its IAM actions. */
function setting(options: {
  subresource: string;
  names: [get: string, put: string, remove?: string];
  actions: [get: string, put: string, remove?: string];
  get: (bucket: BucketRecord, call: S3Call) => string;
  put: (env: S3Env, call: S3Call, bucket: BucketRecord) => Promise<(record: BucketRecord) => void>;
  remove?: (record: BucketRecord) => void;
  putStatus: number;
  integrity?: boolean;
}): S3Operation[] {
  const { subresource, names, actions } = options;
  const operations: S3Operation[] = [
    {
      name: names[0],
      scope: "bucket",
      method: "GET",
      subresource,
      iam: onBucket(actions[0]),
      async run(env, call, res) {
        sendXml(res, call, 200, options.get(requireBucket(env, call), call));
      },
    },
    {
      name: names[1],
      scope: "bucket",
      method: "PUT",
      subresource,
      iam: onBucket(actions[1]),
      async run(env, call, res) {
        const bucket = requireBucket(env, call);
        if (options.integrity) requireIntegrity(call);
        const change = await options.put(env, call, bucket);
        await env.store.updateBucket(call.bucket, change);
        sendEmpty(res, call, options.putStatus);
      },
    },
  ];
  const remove = options.remove;
  if (remove && names[2] && actions[2]) {
    operations.push({
      name: names[2],
      scope: "bucket",
      method: "DELETE",
      subresource,
      iam: onBucket(actions[2]),
      async run(env, call, res) {
        requireBucket(env, call);
        await env.store.updateBucket(call.bucket, remove);
        sendEmpty(res, call, 204);
      },
    });
  }
  return operations;
}

function parseEncryption(call: S3Call): EncryptionRule[] {
  const rules = xmlChildren(xmlBody(call), "Rule").map((rule): EncryptionRule => {
    const byDefault = rule.children.find((child) => child.name === "ApplyServerSideEncryptionByDefault");
    const algorithm = xmlText(byDefault, "SSEAlgorithm") ?? "";
    if (!["AES256", "aws:kms", "aws:kms:dsse"].includes(algorithm)) throw malformedXml();
    const kmsKeyId = xmlText(byDefault, "KMSMasterKeyID");
    const bucketKey = xmlText(rule, "BucketKeyEnabled");
    return {
      algorithm,
      ...(kmsKeyId ? { kmsKeyId } : {}),
      ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === "true" } : {}),
    };
  });
  if (rules.length === 0) throw malformedXml();
  return rules;
}

function renderEncryption(rules: EncryptionRule[]): string {
  const body = rules.map((rule) => {
    const key = rule.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(rule.kmsKeyId)}</KMSMasterKeyID>` : "";
    const bucketKey =
      rule.bucketKeyEnabled !== undefined
        ? `<BucketKeyEnabled>${rule.bucketKeyEnabled}</BucketKeyEnabled>`
        : "";
    return `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${rule.algorithm}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>${bucketKey}</Rule>`;
  });
  return `<ServerSideEncryptionConfiguration ${S3_NS}>${body.join("")}</ServerSideEncryptionConfiguration>`;
}

export const bucketSettingOperations: S3Operation[] = [
  ...setting({
    subresource: "notification",
    names: ["GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration"],
    actions: ["GetBucketNotification", "PutBucketNotification"],
    get: (bucket) => renderNotificationConfiguration(bucket.notification),
    putStatus: 200,
    async put(env, call, bucket) {
      const notification = parseNotificationConfiguration(xmlBody(call));
      await validateNotificationConfiguration(notification, {
        bucket: bucket.name,
        accountId: env.ctx.accountId,
        services: { lambda: env.ctx.lambda, sqs: env.ctx.sqs, sns: env.ctx.sns },
        testEvent: testEventMessage(bucket.name, call.requestId, call.hostId),
        skipDestinationValidation: header(call, "x-amz-skip-destination-validation") === "true",
      });
      return (record) => {
        if (notification.targets.length === 0 && !notification.eventBridge) delete record.notification;
        else record.notification = notification;
      };
    },
  }),
  ...setting({
    subresource: "publicAccessBlock",
    names: ["GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"],
    actions: ["GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock", "PutBucketPublicAccessBlock"],
    get(bucket, call) {
      if (!bucket.publicAccessBlock) {
        throw missing(
          "NoSuchPublicAccessBlockConfiguration",
          "The public access block configuration was not found",
          call,
        );
      }
      const flags = PUBLIC_ACCESS_FLAGS.map(
        (flag) => `<${flag}>${bucket.publicAccessBlock?.[flag] === true}</${flag}>`,
      );
      return `<PublicAccessBlockConfiguration ${S3_NS}>${flags.join("")}</PublicAccessBlockConfiguration>`;
    },
    putStatus: 200,
    integrity: true,
    async put(_env, call) {
      const root = xmlBody(call);
      if (root.name !== "PublicAccessBlockConfiguration") throw malformedXml();
      const flags = Object.fromEntries(
        PUBLIC_ACCESS_FLAGS.map((flag) => [flag, xmlText(root, flag) === "true"]),
      );
      return (record) => {
        record.publicAccessBlock = flags;
      };
    },
    remove: (record) => delete record.publicAccessBlock,
  }),
  ...setting({
    subresource: "encryption",
    names: ["GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"],
    actions: ["GetEncryptionConfiguration", "PutEncryptionConfiguration", "PutEncryptionConfiguration"],
    get(bucket, call) {
      if (!bucket.encryption) {
        throw missing(
          "ServerSideEncryptionConfigurationNotFoundError",
          "The server side encryption configuration was not found",
          call,
        );
      }
      return renderEncryption(bucket.encryption);
    },
    putStatus: 200,
    integrity: true,
    async put(_env, call) {
      const rules = parseEncryption(call);
      return (record) => {
        record.encryption = rules;
      };
    },
    remove: (record) => delete record.encryption,
  }),
  ...setting({
    subresource: "tagging",
    names: ["GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"],
    actions: ["GetBucketTagging", "PutBucketTagging", "PutBucketTagging"],
    get(bucket, call) {
      if (!bucket.tags) throw missing("NoSuchTagSet", "The TagSet does not exist", call);
      return renderTagging(bucket.tags);
    },
    putStatus: 204,
    integrity: true,
    async put(_env, call) {
      const tags = checkTags(tagsFromBody(call), BUCKET_TAG_LIMIT);
      return (record) => {
        record.tags = tags;
      };
    },
    remove: (record) => delete record.tags,
  }),
  ...setting({
    subresource: "cors",
    names: ["GetBucketCors", "PutBucketCors", "DeleteBucketCors"],
    actions: ["GetBucketCORS", "PutBucketCORS", "PutBucketCORS"],
    get(bucket, call) {
      if (!bucket.cors)
        throw missing("NoSuchCORSConfiguration", "The CORS configuration does not exist", call);
      return renderCorsConfiguration(bucket.cors);
    },
    putStatus: 200,
    integrity: true,
    async put(_env, call) {
      const rules = parseCorsConfiguration(xmlBody(call));
      return (record) => {
        record.cors = rules;
      };
    },
    remove: (record) => delete record.cors,
  }),
  {
    name: "GetBucketPolicy",
    scope: "bucket",
    method: "GET",
    subresource: "policy",
    iam: onBucket("GetBucketPolicy"),
    async run(env, call, res) {
      const { policy } = requireBucket(env, call);
      if (policy === undefined) throw missing("NoSuchBucketPolicy", "The bucket policy does not exist", call);
      res.writeHead(200, {
        ...call.headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(policy),
      });
      res.end(policy);
    },
  },
  {
    name: "PutBucketPolicy",
    scope: "bucket",
    method: "PUT",
    subresource: "policy",
    iam: onBucket("PutBucketPolicy"),
    async run(env, call, res) {
      requireBucket(env, call);
      const policy = checkBucketPolicy(call.req.body.toString("utf8"), call.bucket);
      await env.store.updateBucket(call.bucket, (record) => {
        record.policy = policy;
      });
      sendEmpty(res, call, 204);
    },
  },
  {
    name: "DeleteBucketPolicy",
    scope: "bucket",
    method: "DELETE",
    subresource: "policy",
    iam: onBucket("DeleteBucketPolicy"),
    async run(env, call, res) {
      requireBucket(env, call);
      await env.store.updateBucket(call.bucket, (record) => delete record.policy);
      sendEmpty(res, call, 204);
    },
  },
  {
    name: "GetBucketOwnershipControls",
    scope: "bucket",
    method: "GET",
    subresource: "ownershipControls",
    iam: onBucket("GetBucketOwnershipControls"),
    async run(env, call, res) {
      requireBucket(env, call);
      sendXml(
        res,
        call,
        200,
        `<OwnershipControls ${S3_NS}><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`,
      );
    },
  },
];
