// Step 1: who we are. GetCallerIdentity proves the credentials work and gives the account that
// default names and ARNs are built from; the usual failures become one clear line each.
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { awsErrorName, UserError } from "../errors.ts";
import { read } from "./context.ts";

export interface Identity {
  account: string;
  arn: string;
}

export async function ensureAccount(
  sts: STSClient,
  where: { endpoint?: string; profile?: string },
): Promise<Identity> {
  try {
    const identity = await read(() => sts.send(new GetCallerIdentityCommand({})));
    return { account: identity.Account!, arn: identity.Arn ?? "" };
  } catch (error) {
    throw explainConnectionError(error, where);
  }
}

/** Turns "no credentials", "endpoint does not answer" and "credentials rejected" into user errors. */
export function explainConnectionError(
  error: unknown,
  where: { endpoint?: string; profile?: string },
): unknown {
  const name = awsErrorName(error) ?? "";
  const code = (error as { code?: string }).code ?? "";
  const message = String((error as Error)?.message ?? error);
  if (
    name === "CredentialsProviderError" ||
    /could not load credentials|profile .* could not be found/i.test(message)
  ) {
    return new UserError(
      where.profile ? `no usable AWS credentials for profile "${where.profile}"` : "no AWS credentials found",
      "configure them (aws configure, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or try it offline with --local",
      { cause: error },
    );
  }
  if (
    ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH"].includes(code) ||
    /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)
  ) {
    return new UserError(
      where.endpoint ? `endpoint ${where.endpoint} does not answer` : "cannot reach AWS",
      where.endpoint
        ? "start it (s3size local) or use --local to start one for this command"
        : "check your network connection",
      { cause: error },
    );
  }
  if (
    [
      "InvalidClientTokenId",
      "SignatureDoesNotMatch",
      "ExpiredToken",
      "UnrecognizedClientException",
      "AccessDenied",
    ].includes(name)
  ) {
    return new UserError(
      `AWS rejected the credentials: ${message}`,
      "refresh them (aws sso login) or pick another --profile",
      { cause: error },
    );
  }
  return error;
}

/** Nothing to remove: the account is where the stack lives, not part of it. */
export async function destroyAccount(): Promise<void> {}
