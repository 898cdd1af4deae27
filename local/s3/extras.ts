// Bucket configurations s3rver does not have and setup/teardown use: notification, public access block,
// default encryption and tags. Kept per bucket in one JSON file beside s3rver's folder, removed with the bucket.
import type { ServerResponse } from "node:http";
import { parseXml, sendXml, type XmlElement, xmlChildren, xmlEscape, xmlText } from "../protocol/xml.ts";
import { JsonFile } from "../state.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import { S3Failure } from "./failure.ts";
import {
  type NotificationConfiguration,
  parseNotificationConfiguration,
  renderNotificationConfiguration,
  validateNotificationConfiguration,
} from "./notifications.ts";

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const PUBLIC_ACCESS_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
];

interface EncryptionRule {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

export interface BucketSettings {
  /** The bucket's LocationConstraint ("us-east-1" when none was given). */
  region: string;
  notification?: NotificationConfiguration;
  publicAccessBlock?: Record<string, boolean>;
  encryption?: EncryptionRule[];
  tags?: Array<{ key: string; value: string }>;
}

export class BucketSettingsStore {
  private readonly file: JsonFile<Record<string, BucketSettings>>;
  private readonly buckets: Record<string, BucketSettings>;

  constructor(
    path: string,
    private readonly defaultRegion: string,
  ) {
    this.file = new JsonFile(path, () => ({}));
    this.buckets = this.file.load();
  }

  /** Buckets made before their settings were recorded get the cloud's default region. */
  get(bucket: string): BucketSettings {
    return this.buckets[bucket] ?? { region: this.defaultRegion };
  }

  has(bucket: string): boolean {
    return bucket in this.buckets;
  }

  update(bucket: string, change: (settings: BucketSettings) => void): void {
    const settings = { ...this.get(bucket) };
    change(settings);
    this.buckets[bucket] = settings;
    this.file.save(this.buckets);
  }

  remove(bucket: string): void {
    delete this.buckets[bucket];
    this.file.save(this.buckets);
  }
}

export const BUCKET_EXTRAS = ["notification", "publicAccessBlock", "encryption", "tagging"] as const;
export type BucketExtra = (typeof BUCKET_EXTRAS)[number];

function parseBody(req: EdgeRequest): XmlElement {
  try {
    return parseXml(req.body.toString("utf8"));
  } catch {
    throw new S3Failure(
      400,
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  }
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "content-length": "0" });
  res.end();
}

/** Serves GET/PUT/DELETE on one of the extra subresources of an existing bucket. */
export function handleBucketExtra(
  extra: BucketExtra,
  bucket: string,
  req: EdgeRequest,
  res: ServerResponse,
  store: BucketSettingsStore,
  ctx: CloudContext,
): void {
  const settings = store.get(bucket);
  const method = req.method;
  if (method === "DELETE" && extra !== "notification") {
    store.update(bucket, (s) => {
      if (extra === "publicAccessBlock") delete s.publicAccessBlock;
      if (extra === "encryption") delete s.encryption;
      if (extra === "tagging") delete s.tags;
    });
    sendEmpty(res, 204);
    return;
  }
  if (method === "GET") {
    sendXml(res, 200, renderExtra(extra, bucket, settings));
    return;
  }
  if (method !== "PUT")
    throw new S3Failure(
      405,
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
    );

  if (extra === "notification") {
    const notification = parseNotificationConfiguration(req.body.toString("utf8"));
    validateNotificationConfiguration(notification, {
      bucket,
      accountId: ctx.accountId,
      lambda: ctx.lambda,
      skipDestinationValidation: req.headers["x-amz-skip-destination-validation"] === "true",
    });
    store.update(bucket, (s) => {
      s.notification = notification;
    });
  } else if (extra === "publicAccessBlock") {
    const root = parseBody(req);
    const flags = Object.fromEntries(
      PUBLIC_ACCESS_FLAGS.map((flag) => [flag, xmlText(root, flag) === "true"]),
    );
    store.update(bucket, (s) => {
      s.publicAccessBlock = flags;
    });
  } else if (extra === "encryption") {
    const rules = xmlChildren(parseBody(req), "Rule").map((rule): EncryptionRule => {
      const byDefault = rule.children.find((child) => child.name === "ApplyServerSideEncryptionByDefault");
      const algorithm = xmlText(byDefault, "SSEAlgorithm") ?? "";
      if (!["AES256", "aws:kms", "aws:kms:dsse"].includes(algorithm)) {
        throw new S3Failure(
          400,
          "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published schema",
        );
      }
      const kmsKeyId = xmlText(byDefault, "KMSMasterKeyID");
      const bucketKey = xmlText(rule, "BucketKeyEnabled");
      return {
        algorithm,
        ...(kmsKeyId ? { kmsKeyId } : {}),
        ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === "true" } : {}),
      };
    });
    store.update(bucket, (s) => {
      s.encryption = rules;
    });
  } else {
    const tags = xmlChildren(xmlChildren(parseBody(req), "TagSet")[0], "Tag").map((tag) => ({
      key: tag.children.find((child) => child.name === "Key")?.text ?? "",
      value: tag.children.find((child) => child.name === "Value")?.text ?? "",
    }));
    if (new Set(tags.map((tag) => tag.key)).size !== tags.length) {
      throw new S3Failure(400, "InvalidTag", "Cannot provide multiple Tags with the same key");
    }
    if (tags.some((tag) => tag.key.toLowerCase().startsWith("aws:"))) {
      throw new S3Failure(400, "InvalidTag", "System tags cannot be added/updated by requester");
    }
    store.update(bucket, (s) => {
      s.tags = tags;
    });
  }
  sendEmpty(res, 200);
}

function renderExtra(extra: BucketExtra, bucket: string, settings: BucketSettings): string {
  switch (extra) {
    case "notification":
      return renderNotificationConfiguration(settings.notification);
    case "publicAccessBlock": {
      if (!settings.publicAccessBlock) {
        throw new S3Failure(
          404,
          "NoSuchPublicAccessBlockConfiguration",
          "The public access block configuration was not found",
          {
            BucketName: bucket,
          },
        );
      }
      const flags = PUBLIC_ACCESS_FLAGS.map(
        (flag) => `<${flag}>${settings.publicAccessBlock?.[flag] === true}</${flag}>`,
      );
      return `<PublicAccessBlockConfiguration ${NS}>${flags.join("")}</PublicAccessBlockConfiguration>`;
    }
    case "encryption": {
      if (!settings.encryption) {
        throw new S3Failure(
          404,
          "ServerSideEncryptionConfigurationNotFoundError",
          "The server side encryption configuration was not found",
          { BucketName: bucket },
        );
      }
      const rules = settings.encryption.map((rule) => {
        const key = rule.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(rule.kmsKeyId)}</KMSMasterKeyID>` : "";
        const bucketKey =
          rule.bucketKeyEnabled !== undefined
            ? `<BucketKeyEnabled>${rule.bucketKeyEnabled}</BucketKeyEnabled>`
            : "";
        return `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${rule.algorithm}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>${bucketKey}</Rule>`;
      });
      return `<ServerSideEncryptionConfiguration ${NS}>${rules.join("")}</ServerSideEncryptionConfiguration>`;
    }
    case "tagging": {
      if (!settings.tags)
        throw new S3Failure(404, "NoSuchTagSet", "The TagSet does not exist", { BucketName: bucket });
      const tags = settings.tags.map(
        (tag) => `<Tag><Key>${xmlEscape(tag.key)}</Key><Value>${xmlEscape(tag.value)}</Value></Tag>`,
      );
      return `<Tagging ${NS}><TagSet>${tags.join("")}</TagSet></Tagging>`;
    }
  }
}
