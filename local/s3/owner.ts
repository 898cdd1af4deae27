// The owner S3 names in listings and ACLs: the account's canonical user id (64 hex characters, stable).
import { createHash } from "node:crypto";

export function canonicalUserId(accountId: string): string {
  return createHash("sha256").update(`s3size-local:${accountId}`).digest("hex");
}

export function ownerXml(accountId: string): string {
  return `<Owner><ID>${canonicalUserId(accountId)}</ID><DisplayName>local</DisplayName></Owner>`;
}

/** The Initiator of a multipart upload: the same account. */
export function initiatorXml(accountId: string): string {
  return `<Initiator><ID>${canonicalUserId(accountId)}</ID><DisplayName>local</DisplayName></Initiator>`;
}
