// A placeholder service: answers every request with a NotImplemented error in a neutral format.

import { sendJson } from "./protocol/json.ts";
import type { Service } from "./types.ts";

export function notImplementedService(name: string): Service {
  return {
    name,
    async handle(req, res) {
      sendJson(res, 501, {
        __type: "NotImplemented",
        message: `${name}: ${req.method} ${req.path} is not emulated`,
      });
    },
  };
}
