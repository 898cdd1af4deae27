// Temporary credentials of role sessions (from STS AssumeRole, and Lambda handing its execution role to
// function code): ASIA… keys that act as arn:aws:sts::<account>:assumed-role/<role>/<session> until they
// expire. Persisted (the session token as a hash only) so a restarted cloud still knows its sessions.
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import type { SessionCredentials } from "../types.ts";

export interface RoleSession {
  accessKeyId: string;
  tokenHash: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  accountId: string;
  /** Epoch milliseconds. */
  issuedAt: number;
  expiration: number;
  /** A session policy passed to AssumeRole (JSON), which caps what the session may do. */
  sessionPolicy?: string;
}

/** How long an expired session is still recognised (and refused as expired) before it is forgotten. */
const FORGET_AFTER_MS = 7 * 86_400_000;

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

function randomKey(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let key = prefix;
  for (const byte of randomBytes(length)) key += alphabet[byte % alphabet.length];
  return key;
}

export type Caller =
  | { kind: "root" }
  | { kind: "session"; session: RoleSession }
  | { kind: "expired"; session: RoleSession }
  | { kind: "invalid-token"; session: RoleSession };

export class SessionStore {
  private readonly sessions = new Map<string, RoleSession>();
  private readonly file: JsonFile<{ sessions: RoleSession[] }>;

  constructor(dataDir: string) {
    this.file = new JsonFile(join(dataDir, "iam", "sessions.json"), () => ({ sessions: [] }));
    for (const session of this.file.load().sessions) this.sessions.set(session.accessKeyId, session);
  }

  issue(
    role: { Arn: string; RoleName: string; RoleId: string },
    sessionName: string,
    accountId: string,
    durationSeconds: number,
    sessionPolicy?: string,
  ): { credentials: SessionCredentials; session: RoleSession } {
    const now = Date.now();
    const credentials: SessionCredentials = {
      accessKeyId: randomKey("ASIA", 16),
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(120).toString("base64"),
      expiration: now + durationSeconds * 1000,
    };
    const session: RoleSession = {
      accessKeyId: credentials.accessKeyId,
      tokenHash: hash(credentials.sessionToken),
      roleArn: role.Arn,
      roleName: role.RoleName,
      roleId: role.RoleId,
      sessionName,
      accountId,
      issuedAt: now,
      expiration: credentials.expiration,
      ...(sessionPolicy ? { sessionPolicy } : {}),
    };
    this.sessions.set(session.accessKeyId, session);
    this.forgetOld(now);
    this.save();
    return { credentials, session };
  }

  /**
   * Who signed a request. Keys this cloud never issued are static keys (the CLI's, the AWS CLI's, the
   * tests'), which act as the account's root; a session key needs its own token and must not be expired.
   */
  caller(accessKeyId: string | undefined, sessionToken: string | undefined, now = Date.now()): Caller {
    const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    if (!session) return { kind: "root" };
    if (!sessionToken || hash(sessionToken) !== session.tokenHash) return { kind: "invalid-token", session };
    if (now >= session.expiration) return { kind: "expired", session };
    return { kind: "session", session };
  }

  private forgetOld(now: number): void {
    for (const [key, session] of this.sessions) {
      if (session.expiration + FORGET_AFTER_MS < now) this.sessions.delete(key);
    }
  }

  private save(): void {
    this.file.save({ sessions: [...this.sessions.values()] });
  }
}
