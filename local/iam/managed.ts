// The AWS managed policies Lambda users commonly attach, with the documents AWS serves for their default
// versions (managed-policies.json, read from GetPolicyVersion; the 150 KB ReadOnlyAccess is left out).
// Attaching any other arn:aws:iam::aws:policy/… ARN fails with NoSuchEntity, as it would for a typo on AWS.
import catalogue from "./managed-policies.json" with { type: "json" };

export interface ManagedPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  DefaultVersionId: string;
  CreateDate: string;
  UpdateDate: string;
  Document: object;
}

const byArn = new Map<string, ManagedPolicy>(
  (catalogue as ManagedPolicy[]).map((policy) => [policy.Arn, policy]),
);

export function awsManagedPolicy(arn: string): ManagedPolicy | undefined {
  return byArn.get(arn);
}

export function awsManagedPolicies(): ManagedPolicy[] {
  return [...byArn.values()];
}
