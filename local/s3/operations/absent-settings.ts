// Bucket settings S3 has and the local cloud does not keep (lifecycle, website, replication, object lock,
// logging, acceleration, requester pays). Reading one answers as S3 answers for a bucket that has none,
// so tools that read every setting of a bucket (Terraform, consoles) work; putting one is NotImplemented.
import { S3Failure } from "../failure.ts";
import { S3_NS, sendXml } from "../wire.ts";
import { onBucket, requireBucket, type S3Operation } from "./table.ts";

type Absent = { status: 404; code: string; message: string } | { status: 200; xml: string };

const ABSENT: Array<{ subresource: string; name: string; action: string; answer: Absent }> = [
  {
    subresource: "lifecycle",
    name: "GetBucketLifecycleConfiguration",
    action: "GetLifecycleConfiguration",
    answer: {
      status: 404,
      code: "NoSuchLifecycleConfiguration",
      message: "The lifecycle configuration does not exist",
    },
  },
  {
    subresource: "website",
    name: "GetBucketWebsite",
    action: "GetBucketWebsite",
    answer: {
      status: 404,
      code: "NoSuchWebsiteConfiguration",
      message: "The specified bucket does not have a website configuration",
    },
  },
  {
    subresource: "replication",
    name: "GetBucketReplication",
    action: "GetReplicationConfiguration",
    answer: {
      status: 404,
      code: "ReplicationConfigurationNotFoundError",
      message: "The replication configuration was not found",
    },
  },
  {
    subresource: "object-lock",
    name: "GetObjectLockConfiguration",
    action: "GetBucketObjectLockConfiguration",
    answer: {
      status: 404,
      code: "ObjectLockConfigurationNotFoundError",
      message: "Object Lock configuration does not exist for this bucket",
    },
  },
  {
    subresource: "logging",
    name: "GetBucketLogging",
    action: "GetBucketLogging",
    answer: { status: 200, xml: `<BucketLoggingStatus ${S3_NS}/>` },
  },
  {
    subresource: "accelerate",
    name: "GetBucketAccelerateConfiguration",
    action: "GetAccelerateConfiguration",
    answer: { status: 200, xml: `<AccelerateConfiguration ${S3_NS}/>` },
  },
  {
    subresource: "requestPayment",
    name: "GetBucketRequestPayment",
    action: "GetBucketRequestPayment",
    answer: {
      status: 200,
      xml: `<RequestPaymentConfiguration ${S3_NS}><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`,
    },
  },
];

export const absentSettingOperations: S3Operation[] = ABSENT.map(({ subresource, name, action, answer }) => ({
  name,
  scope: "bucket",
  method: "GET",
  subresource,
  iam: onBucket(action),
  async run(env, call, res) {
    requireBucket(env, call);
    if (answer.status === 404)
      throw new S3Failure(404, answer.code, answer.message, { BucketName: call.bucket });
    sendXml(res, call, 200, answer.xml);
  },
}));
