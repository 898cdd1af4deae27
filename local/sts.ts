// STS for the local cloud: who the caller is (the account's root) and dummy credentials for AssumeRole.
import { randomBytes } from "node:crypto";
import { QueryError, type QueryOperation, serveQuery } from "./protocol/query.ts";
import type { CloudContext, Service } from "./types.ts";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

function randomKey(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = randomBytes(length);
  let key = prefix;
  for (const byte of bytes) key += alphabet[byte % alphabet.length];
  return key;
}

export async function createStsService(ctx: CloudContext): Promise<Service> {
  const operations: Record<string, QueryOperation> = {
    GetCallerIdentity() {
      // Every local caller is the account's root user, whose UserId AWS reports as the account id.
      return { UserId: ctx.accountId, Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
    },

    AssumeRole(params) {
      const roleArn = params.required("RoleArn");
      const sessionName = params.required("RoleSessionName");
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
        throw new QueryError(400, "ValidationError", `Invalid RoleSessionName: ${sessionName}`);
      }
      const roleName = roleArn.match(/^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/)?.[1];
      if (!roleName || ctx.iam?.roleStatus(roleArn) === "missing") {
        throw new QueryError(
          403,
          "AccessDenied",
          `User: arn:aws:iam::${ctx.accountId}:root is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      }
      const duration = params.integer("DurationSeconds") ?? 3600;
      const roleId = randomKey("AROA", 17);
      return {
        Credentials: {
          AccessKeyId: randomKey("ASIA", 16),
          SecretAccessKey: randomBytes(30).toString("base64"),
          SessionToken: randomBytes(120).toString("base64"),
          Expiration: new Date(Date.now() + duration * 1000),
        },
        AssumedRoleUser: {
          AssumedRoleId: `${roleId}:${sessionName}`,
          Arn: `arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/${sessionName}`,
        },
      };
    },
  };

  return {
    name: "sts",
    handle: (req, res) => serveQuery(req, res, NAMESPACE, operations),
  };
}
