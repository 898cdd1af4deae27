// The local cloud's own endpoints under /_s3size/ (and the LocalStack health path tools poll). Reading is
// open; changing state takes the state dir's admin token, a random secret only the user who owns the
// state dir can read, so another local user or a web page cannot turn on throttling for every client.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { parseIamMode } from "./authorization.ts";
import { handleIamReport } from "./iam/report.ts";
import { sendJson } from "./protocol/json.ts";
import { readOutbox } from "./sns/outbox.ts";
import { LocalStateError, moveAsideHint } from "./state.ts";
import { type CloudContext, DEFAULT_REALISM, type EdgeRequest, type RealismSettings } from "./types.ts";

/** The header an admin call carries its token in. */
export const ADMIN_TOKEN_HEADER = "x-s3size-admin-token";
const TOKEN_FILE = "admin-token";
const TOKEN = /^[0-9a-f]{64}$/;

/** The state dir's admin token, created (mode 0600) at the first start. */
export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, TOKEN_FILE);
  try {
    const fd = openSync(path, "wx", 0o600);
    const token = randomBytes(32).toString("hex");
    try {
      writeSync(fd, token);
    } finally {
      closeSync(fd);
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readTokenFile(path);
}

/**
 * The admin token of the local cloud whose data lives in `dataDir` (`<stateDir>/local`), for the CLI and
 * tests that post realism settings. Throws LocalStateError when it is missing or damaged.
 */
export function readAdminTokenFrom(dataDir: string): string {
  return readTokenFile(join(dataDir, TOKEN_FILE));
}

function readTokenFile(path: string): string {
  let token: string;
  try {
    const fd = openSync(path, "r");
    try {
      // Anyone else able to read it could change the cloud's settings; refuse to trust such a file.
      // (Windows reports no such mode bits; its ACLs on the user's folder stand in.)
      if (process.platform !== "win32" && (fstatSync(fd).mode & 0o077) !== 0) {
        throw new LocalStateError(
          path,
          `the local cloud's admin token ${path} is readable by other users`,
          `remove it (rm '${path}'); the next start writes a new one only you can read`,
        );
      }
      token = readFileSync(fd, "utf8").trim();
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof LocalStateError) throw error;
    throw new LocalStateError(
      path,
      `the local cloud cannot read its admin token ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
      "start the local cloud once for this state dir (s3size local) so that it writes one",
      { cause: error },
    );
  }
  if (!TOKEN.test(token)) {
    throw new LocalStateError(path, `the local cloud's admin token ${path} is corrupt`, moveAsideHint(path));
  }
  return token;
}

function tokenMatches(req: EdgeRequest, token: string | undefined): boolean {
  const sent = req.headers[ADMIN_TOKEN_HEADER];
  if (token === undefined || typeof sent !== "string" || sent.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(token));
}

export interface AdminContext {
  ctx: CloudContext;
  /** Absent for an edge started without one (tests): then no setting can be changed. */
  token?: string;
  /** Names of the services behind the edge, for the health answers. */
  serviceNames: () => string[];
  /** The read-only console at /_s3size/console/. */
  console?: { handle(req: EdgeRequest, res: ServerResponse): Promise<void> };
}

/** Serves `/_s3size/<action>`; `/_localstack/health` arrives here as action "localstack-health". */
export async function handleAdmin(
  admin: AdminContext,
  action: string,
  req: EdgeRequest,
  res: ServerResponse,
): Promise<void> {
  if ((action === "console" || action.startsWith("console/")) && admin.console) {
    await admin.console.handle(req, res);
  } else if (action === "iam/report") {
    // IAM's record of what each role used: a read, answered (and refused for other methods) by IAM.
    handleIamReport(admin.ctx, req, res);
  } else {
    const [status, body] = adminAnswer(admin, action, req);
    sendJson(res, status, body);
  }
}

function adminAnswer(admin: AdminContext, action: string, req: EdgeRequest): [number, unknown] {
  const reading = req.method === "GET" || req.method === "HEAD";
  if (action === "localstack-health" && reading) {
    // The shape LocalStack answers and tools (testcontainers, CI wait scripts) poll for.
    return [200, { services: Object.fromEntries(admin.serviceNames().map((name) => [name, "running"])) }];
  }
  if (action === "health" && reading) return [200, { ok: true, services: admin.serviceNames() }];
  if (action === "realism" && reading) return [200, admin.ctx.realism];
  if (action === "outbox" && reading) {
    // The emails SNS would have sent, for `s3size notifications`.
    const to = req.query.get("to") ?? undefined;
    const topicArn = req.query.get("topicArn") ?? undefined;
    const filter = { ...(to ? { to } : {}), ...(topicArn ? { topicArn } : {}) };
    return [200, { emails: readOutbox(admin.ctx.dataDir, filter) }];
  }
  if (action === "realism" && req.method === "POST") {
    if (!tokenMatches(req, admin.token)) {
      const message = `changing the local cloud's settings takes the admin token of its state dir in the ${ADMIN_TOKEN_HEADER} header`;
      return [403, { message }];
    }
    const change = parseRealism(req.body);
    if (typeof change === "string") return [400, { message: change }];
    Object.assign(admin.ctx.realism, change);
    return [200, admin.ctx.realism];
  }
  return [404, { message: `the local cloud has no admin action ${req.method} ${action}` }];
}

/** A realism change: known switches only, each of its default's type (numbers non-negative); else why not. */
export function parseRealism(body: Buffer): Partial<RealismSettings> | string {
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8") || "{}");
  } catch {
    return "the body is not JSON";
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return "the body is not a JSON object";
  const defaults = new Map<string, unknown>(Object.entries(DEFAULT_REALISM));
  const change: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (!defaults.has(name))
      return `unknown setting ${JSON.stringify(name)}; known: ${[...defaults.keys()].join(", ")}`;
    const expected = typeof defaults.get(name);
    if (typeof value !== expected) return `${name} must be a ${expected}`;
    if (typeof value === "number" && !(Number.isFinite(value) && value >= 0)) {
      return `${name} must be a non-negative number`;
    }
    if (name === "iam") {
      try {
        change[name] = parseIamMode(value as string);
      } catch (error) {
        return (error as Error).message;
      }
      continue;
    }
    change[name] = value;
  }
  return change as Partial<RealismSettings>;
}
