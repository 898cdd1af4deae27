// The bootstrap of one execution environment, like AWS's Node runtime interface client: loads the
// handler from LAMBDA_TASK_ROOT, then loops on the Lambda Runtime API. Plain JS, Node built-ins only,
// because it runs next to the unpacked function code and must not lean on the project's packages.
import { existsSync, realpathSync } from "node:fs";
import http from "node:http";
import Module, { register } from "node:module";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API ?? "").split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
// Written after each invocation so the emulator knows every log line of it has arrived.
const FLUSH_MARK = "\u001es3size-flush ";

let currentRequestId;

const taskRoot = realpathSync(process.env.LAMBDA_TASK_ROOT ?? process.cwd());
// The runtime's module folders (the AWS SDK on Node.js 18 and later), as NODE_PATH lists them on AWS.
const moduleDirs = (process.env.NODE_PATH ?? "").split(":").filter(Boolean);

/**
 * As in /var/task, which has nothing above it: the function's bare imports and requires resolve inside
 * its code folder, then in the runtime's module folders; never in a project the state dir sits in. The
 * `import` hook runs in a thread of its own, so it is only registered when the emulator saw a
 * node_modules folder above the code folders.
 */
function confineResolution() {
  if (process.argv.includes("--confine-imports")) {
    register(new URL("./runtime-hooks.mjs", import.meta.url), { data: { taskRoot, moduleDirs } });
  }
  const inside = (path, dir) => path === dir || path.startsWith(dir + sep);
  const nodeModulePaths = Module._nodeModulePaths;
  Module._nodeModulePaths = (from) => {
    const paths = nodeModulePaths(from);
    return inside(from, taskRoot) ? paths.filter((path) => inside(path, taskRoot)) : paths;
  };
  // Not ~/.node_modules or the global prefix either: only what NODE_PATH names.
  Module.globalPaths.splice(0, Module.globalPaths.length, ...moduleDirs);
}

// An environment lives only as long as the emulator that started it: if the emulator dies without
// stopping it (killed, crashed), this process is re-parented and leaves instead of lingering.
const emulatorPid = process.ppid;
setInterval(() => {
  if (process.ppid !== emulatorPid) process.exit(0);
}, 1000).unref();

function request(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const bodyHeaders =
      body === undefined
        ? {}
        : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    const req = http.request(
      {
        host,
        port,
        method,
        path: `/2018-06-01/runtime${path}`,
        agent,
        headers: { ...headers, ...bodyHeaders },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

// AWS's format: timestamp, request id, level, message; newlines become \r so one call is one event.
function patchConsole() {
  const writer =
    (level) =>
    (...args) => {
      const message = format(...args).replace(/\n/g, "\r");
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
    };
  console.log = writer("INFO");
  console.info = writer("INFO");
  console.warn = writer("WARN");
  console.error = writer("ERROR");
  console.debug = writer("DEBUG");
  console.trace = writer("TRACE");
}

function errorBody(error) {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? "").split("\n") };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function runtimeError(type, message) {
  const error = new Error(message);
  error.name = type;
  return error;
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? "";
  const dot = spec.lastIndexOf(".");
  if (dot < 1) throw runtimeError("Runtime.MalformedHandlerName", `Bad handler ${spec}`);
  const modulePath = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const file = [".mjs", ".js", ".cjs"]
    .map((ext) => join(taskRoot, modulePath + ext))
    .find((path) => existsSync(path));
  if (!file) throw runtimeError("Runtime.ImportModuleError", `Error: Cannot find module '${modulePath}'`);
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw runtimeError("Runtime.UserCodeSyntaxError", `${error}`);
    if (["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"].includes(error?.code)) {
      throw runtimeError("Runtime.ImportModuleError", `Error: ${error.message}`);
    }
    throw error;
  }
  const handler = module[name] ?? module.default?.[name];
  if (typeof handler !== "function") {
    throw runtimeError("Runtime.HandlerNotFound", `${spec} is undefined or not exported`);
  }
  return handler;
}

// Async handlers resolve; callback-style ones (three parameters) call back; both settle once.
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error("handled"));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function")
        returned.then((result) => callback(null, result), callback);
      else if (handler.length < 3) callback(null, returned);
    } catch (error) {
      callback(error);
    }
  });
}

function flushLogs(requestId) {
  process.stdout.write(`${FLUSH_MARK}${requestId}\n`);
  process.stderr.write(`${FLUSH_MARK}${requestId}\n`);
}

async function reportFatal(error) {
  const body = errorBody(error);
  console.error(`Uncaught Exception \t${JSON.stringify(body)}`);
  if (currentRequestId) {
    const id = currentRequestId;
    flushLogs(id);
    await request("POST", `/invocation/${id}/error`, JSON.stringify(body), {
      "lambda-runtime-function-error-type": body.errorType,
    }).catch(() => {});
  }
  process.exit(129);
}

async function main() {
  confineResolution();
  patchConsole();
  process.on("uncaughtException", reportFatal);
  process.on("unhandledRejection", reportFatal);
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const body = errorBody(error);
    console.error(`Init Error \t${JSON.stringify(body)}`);
    flushLogs("init");
    await request("POST", "/init/error", JSON.stringify(body), {
      "lambda-runtime-function-error-type": body.errorType,
    });
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    currentRequestId = requestId;
    const context = {
      awsRequestId: requestId,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let outcome;
    try {
      const result = await run(handler, JSON.parse(next.body || "{}"), context);
      outcome = { body: result === undefined ? "null" : JSON.stringify(result) };
    } catch (error) {
      const body = errorBody(error);
      console.error(`Invoke Error \t${JSON.stringify({ ...body, stack: body.trace })}`);
      outcome = { body: JSON.stringify(body), errorType: body.errorType };
    }
    flushLogs(requestId);
    if (outcome.errorType === undefined) {
      await request("POST", `/invocation/${requestId}/response`, outcome.body);
    } else {
      await request("POST", `/invocation/${requestId}/error`, outcome.body, {
        "lambda-runtime-function-error-type": outcome.errorType,
      });
    }
  }
}

await main();
