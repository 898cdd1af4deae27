// Lambda as the AWS console shows it: the functions, and one function's overview, triggers, destinations,
// code and general configuration, environment variables, permissions (execution role and resource-based
// policy statements), tags, and its monitoring (recent invocations and the latest log events).
import {
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  ListFunctionsCommand,
  ListTagsCommand,
} from "@aws-sdk/client-lambda";
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { allPages, settle, shown, unlessAbsent } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import {
  bytes,
  consoleHref,
  jsonBlock,
  keyValues,
  link,
  notConfigured,
  resourceCrumbs,
  section,
  status,
  table,
  tagsTable,
  time,
} from "../ui.ts";
import { arnLink } from "./arn-links.ts";
import { recentInvocations } from "./lambda-monitor.ts";
import { type PolicyStatement, policyStatements, statementRows, triggersOf } from "./lambda-triggers.ts";

function stateTone(state: string | undefined) {
  return state === "Active" || state === "Successful" ? "good" : state === "Failed" ? "bad" : "warn";
}

export async function functionsPage(request: PageRequest): Promise<ConsolePage> {
  const lambda = request.clients(request.region).lambda;
  const functions = await allPages(
    () => lambda.send(new ListFunctionsCommand({})),
    (Marker) => lambda.send(new ListFunctionsCommand({ Marker })),
    (page) => ({ items: page.Functions, token: page.NextMarker }),
  );
  functions.sort((a, b) => (a.FunctionName ?? "").localeCompare(b.FunctionName ?? ""));
  return {
    title: "Functions",
    breadcrumbs: [{ label: "Lambda" }],
    body: table({
      caption: `Functions (${functions.length}) in ${request.region}`,
      headers: ["Function name", "Description", "Package type", "Runtime", "Architecture", "Last modified"],
      rows: functions.map((fn: FunctionConfiguration) => [
        link(
          consoleHref("lambda/function", { name: fn.FunctionName, region: request.region }),
          fn.FunctionName,
        ),
        fn.Description,
        fn.PackageType === "Image" ? "Image" : "Zip",
        fn.Runtime,
        (fn.Architectures ?? ["x86_64"]).join(", "),
        time(fn.LastModified),
      ]),
      empty: `No functions in ${request.region}.`,
    }),
  };
}

export async function functionPage(request: PageRequest): Promise<ConsolePage> {
  const name = requiredParam(request, "name");
  const clients = request.clients(request.region);
  const { Configuration: config = {}, Tags } = await clients.lambda.send(
    new GetFunctionCommand({ FunctionName: name }),
  );
  const [policy, invokeConfig, tags, invocations] = await Promise.all([
    unlessAbsent(
      clients.lambda.send(new GetPolicyCommand({ FunctionName: name })),
      "ResourceNotFoundException",
    ),
    unlessAbsent(
      clients.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })),
      "ResourceNotFoundException",
    ),
    Tags
      ? Promise.resolve({ ok: true as const, value: Tags })
      : settle(
          clients.lambda
            .send(new ListTagsCommand({ Resource: config.FunctionArn }))
            .then((answer) => answer.Tags ?? {}),
        ),
    settle(recentInvocations(clients.logs, `/aws/lambda/${name}`)),
  ]);
  const statements: PolicyStatement[] = policy.ok ? policyStatements(policy.value?.Policy) : [];
  const triggers = await triggersOf(request, config.FunctionArn ?? "", statements);
  const variables = Object.entries(config.Environment?.Variables ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const destinations = invokeConfig.ok ? invokeConfig.value?.DestinationConfig : undefined;
  const logGroup = config.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`;

  const body = html`<nav class="contents" aria-label="On this page"><ul>
<li><a href="#overview">Function overview</a></li><li><a href="#triggers">Triggers</a></li>
<li><a href="#destinations">Destinations</a></li><li><a href="#configuration">Configuration</a></li>
<li><a href="#environment">Environment variables</a></li><li><a href="#permissions">Permissions</a></li>
<li><a href="#monitor">Monitor</a></li></ul></nav>
${section(
  "overview",
  "Function overview",
  keyValues([
    ["Description", config.Description],
    ["Last modified", time(config.LastModified)],
    ["Function ARN", config.FunctionArn],
    ["State", status(config.State, stateTone(config.State))],
    ["Last update status", status(config.LastUpdateStatus, stateTone(config.LastUpdateStatus))],
    ["Runtime", config.Runtime],
    ["Handler", config.Handler],
    ["Architecture", (config.Architectures ?? ["x86_64"]).join(", ")],
  ]),
)}
${section(
  "triggers",
  "Triggers",
  table({
    caption: `Triggers (${triggers.length})`,
    headers: ["Trigger", "Resource", "Details"],
    rows: triggers.map((trigger) => [trigger.source, trigger.resource, trigger.details]),
    empty: "No triggers. A trigger appears once a service is allowed to invoke the function.",
  }),
)}
${section(
  "destinations",
  "Destinations",
  shown(invokeConfig, "the asynchronous invocation configuration", (value) =>
    value
      ? html`${table({
          caption: "Destinations",
          headers: ["Condition", "Destination"],
          rows: [
            ["On success", destinations?.OnSuccess?.Destination],
            ["On failure", destinations?.OnFailure?.Destination],
          ]
            .filter((row): row is [string, string] => Boolean(row[1]))
            .map(([condition, arn]) => [condition, arnLink(arn, request.region)]),
          empty: "No destinations configured.",
        })}
<h3>Asynchronous invocation</h3>${keyValues([
          [
            "Maximum age of event",
            value.MaximumEventAgeInSeconds === undefined ? "6h 0m 0s" : `${value.MaximumEventAgeInSeconds} s`,
          ],
          ["Retry attempts", String(value.MaximumRetryAttempts ?? 2)],
        ])}`
      : html`${notConfigured("No destinations configured.")}<h3>Asynchronous invocation</h3>${keyValues([
          ["Maximum age of event", "6h 0m 0s"],
          ["Retry attempts", "2"],
        ])}`,
  ),
)}
${section(
  "configuration",
  "Configuration",
  html`<h3>General configuration</h3>${keyValues([
    ["Memory", config.MemorySize === undefined ? undefined : `${config.MemorySize} MB`],
    [
      "Ephemeral storage",
      config.EphemeralStorage?.Size === undefined ? "512 MB" : `${config.EphemeralStorage.Size} MB`,
    ],
    [
      "Timeout",
      config.Timeout === undefined
        ? undefined
        : `${Math.floor(config.Timeout / 60)} min ${config.Timeout % 60} sec`,
    ],
  ])}
<h3>Code properties</h3>${keyValues([
    ["Package size", bytes(config.CodeSize)],
    ["SHA256 hash", config.CodeSha256 ? html`<code>${config.CodeSha256}</code>` : undefined],
    ["Revision", config.RevisionId],
  ])}
<h3>Tags</h3>${shown(tags, "tags", (value) => tagsTable(value))}`,
)}
${section(
  "environment",
  "Environment variables",
  table({
    caption: `Environment variables (${variables.length})`,
    headers: ["Key", "Value"],
    rows: variables.map(([key, value]) => [html`<code>${key}</code>`, html`<code>${value}</code>`]),
    empty: "No environment variables.",
  }),
)}
${section(
  "permissions",
  "Permissions",
  html`<h3>Execution role</h3>${keyValues([["Role name", arnLink(config.Role, request.region, config.Role?.split("/").pop())]])}
<h3>Resource-based policy statements</h3>${shown(policy, "the resource-based policy", (value) =>
    value?.Policy
      ? html`${table({
          caption: `Resource-based policy statements (${statements.length})`,
          headers: ["Statement ID", "Principal", "Conditions", "Action"],
          rows: statementRows(statements),
          empty: "No statements.",
        })}${jsonBlock(value.Policy, "Resource-based policy")}`
      : notConfigured("No resource-based policy statements."),
  )}`,
)}
${section(
  "monitor",
  "Monitor",
  html`<h3>Recent invocations</h3>${shown(invocations, "recent invocations", (found) =>
    invocationsTable(found, logGroup, request.region),
  )}
<p>${link(consoleHref("logs/group", { name: logGroup, region: request.region }), `View CloudWatch logs (${logGroup})`)}</p>`,
)}`;

  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "Lambda", page: "lambda" },
      { label: "Functions" },
      name,
      request.region,
    ),
    body,
  };
}

function invocationsTable(
  invocations: Awaited<ReturnType<typeof recentInvocations>>,
  logGroup: string,
  region: string,
): SafeHtml {
  return table({
    caption: `Recent invocations (${invocations.length}, newest first)`,
    headers: [
      "Time",
      "Request ID",
      "Duration",
      "Billed duration",
      "Max memory used",
      "Init duration",
      "Status",
    ],
    rows: invocations.map((invocation) => [
      time(invocation.timestamp),
      link(
        consoleHref("logs/group", { name: logGroup, region, filter: `"${invocation.requestId}"` }),
        html`<code>${invocation.requestId}</code>`,
      ),
      invocation.duration,
      invocation.billedDuration,
      invocation.maxMemoryUsed,
      invocation.initDuration,
      status(invocation.status, invocation.status === "Succeeded" ? "good" : "bad"),
    ]),
    empty: "No invocations in the last 24 hours.",
  });
}
