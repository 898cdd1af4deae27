// Decides each request: who signed it (root or a role session), the request context (global condition keys
// and the operation's own), the role's policies, the resource's policy; then records the use in the policy
// report and applies the mode (enforce denies, warn logs and allows, off checks nothing).
import type { AuthorizationResult, CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { awsManagedPolicy } from "./managed.ts";
import { type PolicyDocument, readPolicy } from "./policy/document.ts";
import { denialMessage, evaluate, type Principal } from "./policy/evaluate.ts";
import type { RequestContext } from "./policy/match.ts";
import type { PolicyReport } from "./report.ts";
import type { RoleSession, SessionStore } from "./sessions.ts";
import type { IamStore, StoredRole } from "./store.ts";

const EXPIRED = "The security token included in the request is expired";
const INVALID = "The security token included in the request is invalid.";

function header(req: EdgeRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class Authorizer {
  private readonly parsedRoles = new Map<string, { revision: number; policies: PolicyDocument[] }>();
  private readonly parsedResourcePolicies = new Map<string, PolicyDocument | null>();

  constructor(
    private readonly ctx: CloudContext,
    private readonly store: IamStore,
    private readonly sessions: SessionStore,
    private readonly report: PolicyReport,
  ) {}

  /**
   * `resourcePolicyRequired`: the resource's policy must grant too (a role's trust policy for AssumeRole),
   * not only the caller's own policies.
   */
  authorize(
    req: EdgeRequest,
    requirement: IamRequirement,
    options: { resourcePolicyRequired?: boolean } = {},
  ): AuthorizationResult {
    const mode = this.ctx.realism.iam;
    if (mode === "off") return { allowed: true };
    const caller = this.caller(req);
    if (caller.kind === "expired" || caller.kind === "invalid-token") {
      const refused: AuthorizationResult = {
        allowed: false,
        message: caller.kind === "expired" ? EXPIRED : INVALID,
        credentials: caller.kind === "expired" ? "expired" : "invalid",
      };
      return this.apply(mode, refused);
    }
    const session = caller.kind === "session" ? caller.session : undefined;
    const principal = this.principalOf(session);
    return this.apply(
      mode,
      this.decide(principal, session, requirement, req, options.resourcePolicyRequired),
    );
  }

  /** Who signed a request, as GetCallerIdentity and AssumeRole name them. */
  caller(req: EdgeRequest): ReturnType<SessionStore["caller"]> {
    const token = header(req, "x-amz-security-token") ?? req.query.get("X-Amz-Security-Token") ?? undefined;
    return this.sessions.caller(req.accessKeyId, token);
  }

  principalOf(session: RoleSession | undefined): Principal {
    return session ? this.sessionPrincipal(session) : { type: "root", accountId: this.ctx.accountId };
  }

  /** A role's own policies on an action, outside any request (Lambda checking its execution role). */
  evaluateRole(roleArn: string, requirement: IamRequirement): AuthorizationResult {
    const role = this.store.roleByArn(roleArn);
    const roleName = role?.RoleName ?? roleArn.split("/").pop() ?? roleArn;
    const session: RoleSession = {
      accessKeyId: "",
      tokenHash: "",
      roleArn,
      roleName,
      roleId: role?.RoleId ?? "",
      sessionName: roleName,
      accountId: this.ctx.accountId,
      issuedAt: Date.now(),
      expiration: Date.now(),
    };
    const mode = this.ctx.realism.iam;
    if (mode === "off") return { allowed: true };
    return this.apply(mode, this.decide(this.sessionPrincipal(session), session, requirement));
  }

  private apply(mode: string, result: AuthorizationResult): AuthorizationResult {
    if (result.allowed || mode === "enforce") return result;
    process.stderr.write(`[s3size local] IAM would deny (S3SIZE_LOCAL_IAM=warn): ${result.message}\n`);
    return { allowed: true };
  }

  private sessionPrincipal(session: RoleSession): Principal {
    return {
      type: "role-session",
      accountId: session.accountId,
      roleArn: this.store.role(session.roleName)?.Arn ?? session.roleArn,
      roleName: session.roleName,
      sessionName: session.sessionName,
      sessionArn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
    };
  }

  private decide(
    principal: Principal,
    session: RoleSession | undefined,
    requirement: IamRequirement,
    req?: EdgeRequest,
    resourcePolicyRequired = false,
  ): AuthorizationResult {
    const role = session ? this.store.role(session.roleName) : undefined;
    // A role deleted and created again under its name is another role: old sessions keep nothing.
    const sameRole =
      role && session && (session.roleId === "" || role.RoleId === session.roleId) ? role : undefined;
    const identityPolicies = sameRole ? this.rolePolicies(sameRole) : [];
    const sessionPolicy = session?.sessionPolicy ? this.resourcePolicy(session.sessionPolicy) : undefined;
    const resourcePolicy = requirement.resourcePolicy
      ? this.resourcePolicy(requirement.resourcePolicy)
      : undefined;
    const context = this.context(principal, session, sameRole, requirement, req);
    for (const resource of requirement.resources) {
      const decision = evaluate({
        principal,
        action: requirement.action,
        resource,
        context,
        identityPolicies,
        resourcePolicyRequired,
        ...(sessionPolicy ? { sessionPolicy } : {}),
        ...(resourcePolicy ? { resourcePolicy } : {}),
      });
      const denial = decision.allowed
        ? undefined
        : denialMessage(principal, requirement.action, resource, decision.reason);
      if (principal.type === "role-session") {
        this.report.record(principal, {
          action: requirement.action,
          resource,
          region: req?.region ?? this.ctx.region,
          ...(denial ? { denial } : {}),
        });
      }
      if (denial) return { allowed: false, message: denial };
    }
    return { allowed: true };
  }

  /** The role's inline policies and the default versions of its attached ones, parsed once per change. */
  rolePolicies(role: StoredRole): PolicyDocument[] {
    const cached = this.parsedRoles.get(role.Arn);
    if (cached && cached.revision === this.store.revision) return cached.policies;
    const policies = [...role.inlinePolicies.values()].map((document) => readPolicy(document));
    for (const attached of role.attachedPolicies) {
      const managed = awsManagedPolicy(attached.PolicyArn);
      if (managed) {
        policies.push(readPolicy(managed.Document));
        continue;
      }
      const custom = this.store.policies.get(attached.PolicyArn);
      const version = custom?.versions.find((candidate) => candidate.VersionId === custom.DefaultVersionId);
      if (version) policies.push(readPolicy(version.Document));
    }
    this.parsedRoles.set(role.Arn, { revision: this.store.revision, policies });
    return policies;
  }

  private resourcePolicy(json: string): PolicyDocument | undefined {
    if (!this.parsedResourcePolicies.has(json)) {
      if (this.parsedResourcePolicies.size > 1000) this.parsedResourcePolicies.clear();
      let parsed: PolicyDocument | null = null;
      try {
        parsed = readPolicy(json);
      } catch {
        // A policy that is not JSON grants and denies nothing.
      }
      this.parsedResourcePolicies.set(json, parsed);
    }
    return this.parsedResourcePolicies.get(json) ?? undefined;
  }

  /** The global condition keys AWS supplies with every request, and the operation's own keys. */
  private context(
    principal: Principal,
    session: RoleSession | undefined,
    role: StoredRole | undefined,
    requirement: IamRequirement,
    req?: EdgeRequest,
  ): RequestContext {
    const now = new Date();
    const context: RequestContext = new Map();
    const set = (key: string, value: string | string[] | undefined) => {
      if (value !== undefined) context.set(key.toLowerCase(), value);
    };
    const account = this.ctx.accountId;
    set("aws:CurrentTime", now.toISOString());
    set("aws:EpochTime", String(Math.floor(now.getTime() / 1000)));
    // Clients reach the local cloud over loopback HTTP only because it has no certificate; on AWS the same
    // call goes over TLS, and policies denying insecure transport must not lock the local stack out.
    set("aws:SecureTransport", "true");
    set("aws:SourceIp", "127.0.0.1");
    set("aws:ViaAWSService", "false");
    set("aws:PrincipalAccount", account);
    set("aws:ResourceAccount", account);
    set("aws:PrincipalIsAWSService", "false");
    if (req) {
      set("aws:RequestedRegion", req.region);
      set("aws:UserAgent", header(req, "user-agent"));
    }
    if (principal.type === "role-session" && session) {
      set("aws:PrincipalArn", principal.roleArn);
      set("aws:PrincipalType", "AssumedRole");
      set("aws:userid", `${session.roleId}:${session.sessionName}`);
      set("aws:TokenIssueTime", new Date(session.issuedAt).toISOString());
      set("aws:MultiFactorAuthPresent", "false");
      for (const tag of role?.Tags ?? []) set(`aws:PrincipalTag/${tag.Key}`, tag.Value);
    } else {
      set("aws:PrincipalArn", `arn:aws:iam::${account}:root`);
      set("aws:PrincipalType", "Account");
      set("aws:userid", account);
    }
    for (const [key, value] of Object.entries(requirement.context ?? {})) set(key, value);
    return context;
  }
}
