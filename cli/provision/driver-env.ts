// The last step: the driver learns the plotting API's invoke URL, known only once the API exists.
import { FUNCTION_ENV } from "../../handlers/common/function-env.ts";
import { UserError } from "../errors.ts";
import type { ProvisionContext } from "./context.ts";
import { ensureVariables } from "./function-variables.ts";
import { getFunction } from "./functions.ts";

export async function ensureDriverEnv(ctx: ProvisionContext): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions.driver;
  const url = ctx.state.invokeUrl;
  const exists = await getFunction(lambda, name);
  if (!exists || !url) {
    if (ctx.dryRun) ctx.changes.push(`give ${name} the plot API's URL`);
    else
      throw new UserError(
        `cannot configure ${name}: ${exists ? "the API's URL is unknown" : "it does not exist"}`,
        "run s3size setup again",
      );
    return;
  }
  await ensureVariables(ctx, "driver", { [FUNCTION_ENV.plotApiUrl]: url }, `give ${name} the plot API's URL`);
}

/** Nothing to undo: the variable goes with the function, which the functions step deletes. */
export async function destroyDriverEnv(_ctx: ProvisionContext): Promise<void> {}
