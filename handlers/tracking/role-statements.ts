// What the tracker's role must allow, by mode and by tracked bucket: a pure function phase B's CLI
// builds the role's inline policy from (and the acceptance tests deploy with), so the grants are
// written once beside the code that needs them. No `*` action, no Scan, every resource an ARN.
import type { TrackingMode } from "./settings.ts";

export interface TrackerGrants {
  mode: TrackingMode;
  partition?: string;
  region: string;
  account: string;
  historyTable: string;
  /** Incremental mode's index table. */
  indexTable?: string;
  /** Every bucket the tracker serves: the data bucket and each one `track` added. */
  buckets: string[];
}

export interface TrackerStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

export function trackerStatements(grants: TrackerGrants): TrackerStatement[] {
  const partition = grants.partition ?? "aws";
  const table = (name: string) =>
    `arn:${partition}:dynamodb:${grants.region}:${grants.account}:table/${name}`;
  const buckets = grants.buckets.map((bucket) => `arn:${partition}:s3:::${bucket}`);
  const statements: TrackerStatement[] = [
    {
      Sid: "ListTrackedBuckets",
      Effect: "Allow",
      // ListObjectsV2 (s3:ListBucket), ListObjectVersions for versioned buckets, and their versioning
      // status for a baseline.
      Action: ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"],
      Resource: buckets,
    },
  ];
  if (grants.mode === "listing") {
    statements.push({
      Sid: "AppendHistory",
      Effect: "Allow",
      // PutItem for the record; Query for the newest record, which a superseded listing yields to.
      Action: ["dynamodb:PutItem", "dynamodb:Query"],
      Resource: [table(grants.historyTable)],
    });
    return statements;
  }
  if (!grants.indexTable) throw new Error("incremental tracking needs its index table named");
  statements.push(
    {
      Sid: "AppendHistory",
      Effect: "Allow",
      // Records go in the same TransactWriteItems as the index: PutItem is what each item needs.
      Action: ["dynamodb:PutItem"],
      Resource: [table(grants.historyTable)],
    },
    {
      Sid: "KeepIndex",
      Effect: "Allow",
      // TransactGetItems needs GetItem on each item, TransactWriteItems PutItem/ConditionCheckItem;
      // Query reads one key's versions, a reconciliation's walk and the tracked buckets' list.
      // Nothing here deletes: `untrack` forgets a bucket with the user's own credentials, in the CLI.
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"],
      Resource: [table(grants.indexTable)],
    },
  );
  return statements;
}
