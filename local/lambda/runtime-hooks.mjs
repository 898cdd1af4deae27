// ES module resolution for function code, registered by runtime-client.mjs. A bare import from the code
// folder resolves inside that folder (as in /var/task, with nothing above it), then from the runtime's
// module folders on NODE_PATH (the AWS SDK), and nowhere else: not from a project the state dir sits in.
import { existsSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let taskRoot = "";
let moduleDirs = [];

export function initialize(data) {
  taskRoot = data.taskRoot;
  moduleDirs = data.moduleDirs;
}

const inside = (path, dir) => path === dir || path.startsWith(dir + sep);

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z\d+.-]*:)/.test(specifier) && !specifier.startsWith("#");
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function notFound(specifier, parentURL) {
  const parent = parentURL ? fileURLToPath(parentURL) : taskRoot;
  const error = new Error(`Cannot find package '${packageName(specifier)}' imported from ${parent}`);
  error.code = "ERR_MODULE_NOT_FOUND";
  return error;
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL?.startsWith("file:") ? fileURLToPath(context.parentURL) : undefined;
  // Only imports made by the function's own code are confined; the SDK resolves its own as installed.
  if (!parent || !inside(parent, taskRoot) || !isBare(specifier) || isBuiltin(specifier)) {
    return nextResolve(specifier, context);
  }
  try {
    const resolved = await nextResolve(specifier, context);
    if (!resolved.url.startsWith("file:") || inside(fileURLToPath(resolved.url), taskRoot)) return resolved;
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
  for (const dir of moduleDirs) {
    if (!existsSync(join(dir, packageName(specifier)))) continue;
    const from = pathToFileURL(join(dirname(dir), "runtime-resolve.mjs")).href;
    return nextResolve(specifier, { ...context, parentURL: from });
  }
  throw notFound(specifier, context.parentURL);
}
