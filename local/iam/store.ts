// IAM's data: roles (with inline and attached policies), customer managed policies and their versions,
// persisted in <data>/iam/state.json. Everything is keyed in Maps: a role named "__proto__" is just a name.
// IAM names are unique without regard to case, so roles and policies are found by their lowercased name.
import { randomInt } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import { awsManagedPolicy, type ManagedPolicy } from "./managed.ts";

export interface StoredRole {
  RoleName: string;
  RoleId: string;
  Path: string;
  Arn: string;
  CreateDate: string;
  /** The trust policy as sent (decoded); AWS hands it back URL-encoded. */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Array<{ Key: string; Value: string }>;
  inlinePolicies: Map<string, string>;
  attachedPolicies: Array<{ PolicyName: string; PolicyArn: string }>;
  /** When the role (or its trust policy) last changed: the propagation delay counts from here. */
  changedAt: number;
}

export interface PolicyVersion {
  VersionId: string;
  Document: string;
  CreateDate: string;
}

export interface StoredPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  DefaultVersionId: string;
  versions: PolicyVersion[];
  nextVersion: number;
  Tags: Array<{ Key: string; Value: string }>;
}

/** What GetPolicy shows of an AWS managed policy or one of the account's. */
export type PolicyView = Omit<ManagedPolicy, "Document"> & {
  Description?: string;
  Tags?: Array<{ Key: string; Value: string }>;
};

type SavedRole = Omit<StoredRole, "inlinePolicies"> & { inlinePolicies: Array<[string, string]> };

interface SavedState {
  roles: SavedRole[];
  policies: StoredPolicy[];
}

/** The single-file layout before roles had policies of their own kind: `{roles: {name: role}}`. */
interface LegacyState {
  roles: Record<string, Omit<StoredRole, "inlinePolicies"> & { inlinePolicies: Record<string, string> }>;
}

/** IAM's unique ids: a four-letter prefix saying the kind (AROA role, ANPA policy) and 17 more. */
export function newUniqueId(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let id = prefix;
  for (let index = 0; index < 17; index += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

export const isoSeconds = (date = new Date()) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export class IamStore {
  readonly roles = new Map<string, StoredRole>();
  readonly policies = new Map<string, StoredPolicy>();
  /** Bumped on every change, so cached parsed policies know when they are stale. */
  revision = 0;
  private readonly file: JsonFile<SavedState>;

  constructor(dataDir: string) {
    this.file = new JsonFile(join(dataDir, "iam", "state.json"), () => ({ roles: [], policies: [] }));
    const legacyPath = join(dataDir, "iam.json");
    if (!existsSync(this.file.path) && existsSync(legacyPath)) {
      this.loadLegacy(JSON.parse(readFileSync(legacyPath, "utf8")) as LegacyState);
      this.save();
      rmSync(legacyPath, { force: true });
      return;
    }
    const saved = this.file.load();
    for (const role of saved.roles) {
      this.roles.set(role.RoleName.toLowerCase(), { ...role, inlinePolicies: new Map(role.inlinePolicies) });
    }
    for (const policy of saved.policies) this.policies.set(policy.Arn, policy);
  }

  private loadLegacy(legacy: LegacyState): void {
    for (const role of Object.values(legacy.roles ?? {})) {
      this.roles.set(role.RoleName.toLowerCase(), {
        ...role,
        inlinePolicies: new Map(Object.entries(role.inlinePolicies ?? {})),
      });
    }
  }

  save(): void {
    this.revision += 1;
    this.file.save({
      roles: [...this.roles.values()].map((role) => ({ ...role, inlinePolicies: [...role.inlinePolicies] })),
      policies: [...this.policies.values()],
    });
  }

  role(name: string): StoredRole | undefined {
    return this.roles.get(name.toLowerCase());
  }

  roleByArn(arn: string): StoredRole | undefined {
    for (const role of this.roles.values()) if (role.Arn === arn) return role;
    return undefined;
  }

  /** An AWS managed policy of the catalogue, or one of the account's own. */
  policyView(arn: string): PolicyView | undefined {
    return awsManagedPolicy(arn) ?? this.policies.get(arn);
  }

  /** How many roles have a policy attached (AWS's AttachmentCount). */
  attachmentCount(policyArn: string): number {
    let count = 0;
    for (const role of this.roles.values()) {
      if (role.attachedPolicies.some((attached) => attached.PolicyArn === policyArn)) count += 1;
    }
    return count;
  }
}
