// Placeholder until the API Gateway emulation lands.

import { notImplementedService } from "../not-implemented.ts";
import { sendJson } from "../protocol/json.ts";
import type { ApiGatewayService, CloudContext } from "../types.ts";

export async function createApiGatewayService(_ctx: CloudContext): Promise<ApiGatewayService> {
  return {
    ...notImplementedService("apigateway"),
    async execute(_target, _req, res) {
      sendJson(res, 404, { message: "Not Found" });
    },
  };
}
