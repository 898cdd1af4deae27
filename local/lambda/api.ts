// Lambda's restJson wire: finds the operation for a request in the table, asks IAM whether the caller may
// run it (AccessDeniedException, 403, when not), runs it and writes the reply or Lambda's error.
import type { ServerResponse } from "node:http";
import { authorize } from "../authorization.ts";
import { sendJson } from "../protocol/json.ts";
import type { EdgeRequest } from "../types.ts";
import { LambdaError } from "./errors.ts";
import { eventInvokeConfigOperations } from "./event-invoke-config.ts";
import { Call, type LambdaDeps, type LambdaOperation } from "./operation.ts";
import { functionOperations } from "./operations.ts";
import { policyOperations } from "./policy-operations.ts";

/** Every operation the local Lambda serves. */
export const LAMBDA_OPERATIONS: LambdaOperation[] = [
  ...functionOperations,
  ...policyOperations,
  ...eventInvokeConfigOperations,
];

export class LambdaApi {
  constructor(
    private readonly deps: LambdaDeps,
    private readonly operations: LambdaOperation[] = LAMBDA_OPERATIONS,
  ) {}

  async handle(req: EdgeRequest, res: ServerResponse): Promise<void> {
    const reply = await this.dispatch(req);
    if (reply.raw) {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.raw);
    } else sendJson(res, reply.status, reply.body, "application/json", reply.headers);
  }

  private async dispatch(req: EdgeRequest) {
    const { operation, params } = this.match(req);
    const call = new Call(this.deps, req, params);
    for (const requirement of operation.iam(call)) {
      const decision = authorize(this.deps.ctx, req, requirement);
      if (!decision.allowed) throw new LambdaError(403, "AccessDeniedException", decision.message);
    }
    return operation.run(call);
  }

  private match(req: EdgeRequest): { operation: LambdaOperation; params: string[] } {
    for (const operation of this.operations) {
      if (operation.method !== req.method) continue;
      const match = req.path.match(operation.path);
      if (match) return { operation, params: match.slice(1).map(decodeSegment) };
    }
    throw new LambdaError(
      400,
      "UnknownOperationException",
      `The local cloud does not emulate Lambda ${req.method} ${req.path}`,
    );
  }
}

function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    throw new LambdaError(400, "ValidationException", `Malformed path segment: ${segment}`);
  }
}
