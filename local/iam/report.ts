// The policy report: per role, every action and resource its sessions used, allowed or denied, kept in
// <data>/iam/report.json (bounded) and served at GET /_s3size/iam/report for `s3size policy`.
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { sendJson } from "../protocol/json.ts";
import { JsonFile } from "../state.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";

export interface UsageEntry {
  action: string;
  resource: string;
  allowed: number;
  denied: number;
  /** Epoch milliseconds of the last use. */
  lastUsed: number;
  /** The last denial's message, as the caller received it. */
  lastDenial?: string;
}

export interface RoleUsage {
  roleName: string;
  roleArn: string;
  lastUsed?: { at: number; region: string };
  entries: UsageEntry[];
  /** Uses of resources past the per-role bound, counted in one `*` entry per action. */
  overflowed: boolean;
}

export interface PolicyReportDocument {
  generatedAt: string;
  mode: string;
  roles: RoleUsage[];
}

/** Distinct action/resource pairs kept per role; an S3-heavy function could otherwise grow without end. */
const ENTRIES_PER_ROLE = 1000;
const MAX_ROLES = 1000;
const SAVE_DELAY_MS = 1000;

interface LiveRole {
  roleName: string;
  roleArn: string;
  lastUsed?: { at: number; region: string };
  entries: Map<string, UsageEntry>;
  overflowed: boolean;
}

export class PolicyReport {
  private readonly roles = new Map<string, LiveRole>();
  private readonly file: JsonFile<{ roles: RoleUsage[] }>;
  private timer: NodeJS.Timeout | undefined;

  constructor(dataDir: string) {
    this.file = new JsonFile(join(dataDir, "iam", "report.json"), () => ({ roles: [] }));
    for (const saved of this.file.load().roles) {
      this.roles.set(saved.roleName, {
        ...saved,
        entries: new Map(saved.entries.map((entry) => [`${entry.action} ${entry.resource}`, entry])),
      });
    }
  }

  record(
    role: { roleName: string; roleArn: string },
    use: { action: string; resource: string; region: string; denial?: string },
  ): void {
    let live = this.roles.get(role.roleName);
    if (!live) {
      if (this.roles.size >= MAX_ROLES) return;
      live = { roleName: role.roleName, roleArn: role.roleArn, entries: new Map(), overflowed: false };
      this.roles.set(role.roleName, live);
    }
    const now = Date.now();
    live.lastUsed = { at: now, region: use.region };
    let key = `${use.action} ${use.resource}`;
    let entry = live.entries.get(key);
    if (!entry && live.entries.size >= ENTRIES_PER_ROLE) {
      live.overflowed = true;
      key = `${use.action} *`;
      entry = live.entries.get(key);
    }
    if (!entry) {
      entry = {
        action: use.action,
        resource: key.slice(use.action.length + 1),
        allowed: 0,
        denied: 0,
        lastUsed: now,
      };
      live.entries.set(key, entry);
    }
    entry.lastUsed = now;
    if (use.denial) {
      entry.denied += 1;
      entry.lastDenial = use.denial;
    } else {
      entry.allowed += 1;
    }
    this.scheduleSave();
  }

  lastUsed(roleName: string): { at: number; region: string } | undefined {
    return this.roles.get(roleName)?.lastUsed;
  }

  /** Forgets a deleted role's uses, so a role created again under the name starts clean. */
  forget(roleName: string): void {
    if (this.roles.delete(roleName)) this.scheduleSave();
  }

  document(mode: string, roleName?: string): PolicyReportDocument {
    const roles = [...this.roles.values()]
      .filter((role) => roleName === undefined || role.roleName === roleName)
      .map((role) => this.toUsage(role));
    return { generatedAt: new Date().toISOString(), mode, roles };
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.file.save({ roles: [...this.roles.values()].map((role) => this.toUsage(role)) });
  }

  private toUsage(role: LiveRole): RoleUsage {
    return {
      roleName: role.roleName,
      roleArn: role.roleArn,
      ...(role.lastUsed ? { lastUsed: role.lastUsed } : {}),
      entries: [...role.entries.values()].sort(
        (a, b) => a.action.localeCompare(b.action) || a.resource.localeCompare(b.resource),
      ),
      overflowed: role.overflowed,
    };
  }

  private scheduleSave(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
    this.timer.unref();
  }
}

const reports = new WeakMap<CloudContext, PolicyReport>();

export function registerReport(ctx: CloudContext, report: PolicyReport): void {
  reports.set(ctx, report);
}

/** The report as a document, for readers in this process (the local console); undefined without IAM. */
export function readIamReport(ctx: CloudContext, roleName?: string): PolicyReportDocument | undefined {
  return reports.get(ctx)?.document(ctx.realism.iam, roleName);
}

/** GET /_s3size/iam/report[?role=<name>]: reads only, so it needs no admin token. */
export function handleIamReport(ctx: CloudContext, req: EdgeRequest, res: ServerResponse): void {
  const document = readIamReport(ctx, req.query.get("role") ?? undefined);
  if (req.method !== "GET") sendJson(res, 405, { message: "the IAM report is read with GET" });
  else if (!document) sendJson(res, 404, { message: "IAM is not running in this local cloud" });
  else sendJson(res, 200, document);
}
