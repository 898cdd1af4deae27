// STS for the local cloud: who signed a request (the account root for static keys, or a role session), and
// AssumeRole handing out real session credentials when the role's trust policy lets the caller in.
import { iamInternals } from "./iam/index.ts";
import { authorizedOperations, queryDenial } from "./iam/operation-table.ts";
import { principalArn } from "./iam/policy/evaluate.ts";
import { checkDocument } from "./iam/roles.ts";
import { QueryError, type QueryParams, serveQuery } from "./protocol/query.ts";
import type { CloudContext, EdgeRequest, Service } from "./types.ts";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** A session that assumes another role (role chaining) gets at most an hour. */
const CHAINED_SESSION_SECONDS = 3600;

function lengthError(value: string, field: string, constraint: string): QueryError {
  return new QueryError(
    400,
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

export async function createStsService(ctx: CloudContext): Promise<Service> {
  const { store, sessions, authorizer } = iamInternals(ctx);

  const signedCaller = (req: EdgeRequest) => {
    const caller = authorizer.caller(req);
    if (caller.kind === "expired") {
      throw queryDenial({
        message: "The security token included in the request is expired",
        credentials: "expired",
      });
    }
    if (caller.kind === "invalid-token") {
      throw queryDenial({
        message: "The security token included in the request is invalid.",
        credentials: "invalid",
      });
    }
    return caller.kind === "session" ? caller.session : undefined;
  };

  const duration = (params: QueryParams, maxSession: number, chained: boolean): number => {
    const seconds = params.integer("DurationSeconds") ?? 3600;
    if (seconds < 900) {
      throw lengthError(
        String(seconds),
        "durationSeconds",
        "Member must have value greater than or equal to 900",
      );
    }
    if (chained && seconds > CHAINED_SESSION_SECONDS) {
      throw new QueryError(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      );
    }
    if (seconds > maxSession) {
      throw new QueryError(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    return seconds;
  };

  const operations = authorizedOperations(ctx, {
    // GetCallerIdentity needs no permission: even an explicit deny cannot stop it.
    GetCallerIdentity: {
      run(_params, req) {
        const session = signedCaller(req);
        if (!session) {
          return { UserId: ctx.accountId, Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
        }
        return {
          UserId: `${session.roleId}:${session.sessionName}`,
          Account: session.accountId,
          Arn: principalArn(authorizer.principalOf(session)),
        };
      },
    },

    AssumeRole: {
      run(params, req) {
        const roleArn = params.required("RoleArn");
        const sessionName = params.required("RoleSessionName");
        if (sessionName.length < 2 || sessionName.length > 64) {
          const bound = sessionName.length < 2 ? "greater than or equal to 2" : "less than or equal to 64";
          throw lengthError(sessionName, "roleSessionName", `Member must have length ${bound}`);
        }
        if (!SESSION_NAME.test(sessionName)) {
          throw lengthError(
            sessionName,
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
          );
        }
        const caller = signedCaller(req);
        const role = store.roleByArn(roleArn);
        const denied = () =>
          new QueryError(
            403,
            "AccessDenied",
            `User: ${principalArn(authorizer.principalOf(caller))} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          );
        if (!role) throw denied();
        const result = authorizer.authorize(
          req,
          { action: "sts:AssumeRole", resources: [role.Arn], resourcePolicy: role.AssumeRolePolicyDocument },
          { resourcePolicyRequired: true },
        );
        if (!result.allowed) throw denied();
        const seconds = duration(params, role.MaxSessionDuration, Boolean(caller));
        const policy = params.get("Policy");
        if (policy !== undefined) checkDocument(policy, "inline");
        const { credentials, session } = sessions.issue(role, sessionName, ctx.accountId, seconds, policy);
        return {
          Credentials: {
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            SessionToken: credentials.sessionToken,
            Expiration: new Date(credentials.expiration),
          },
          AssumedRoleUser: {
            AssumedRoleId: `${role.RoleId}:${sessionName}`,
            Arn: principalArn(authorizer.principalOf(session)),
          },
          ...(policy !== undefined ? { PackedPolicySize: 0 } : {}),
        };
      },
    },
  });

  return {
    name: "sts",
    handle: (req, res) => serveQuery(req, res, NAMESPACE, operations),
  };
}
