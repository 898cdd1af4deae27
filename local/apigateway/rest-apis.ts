// Control plane for the API itself and its resource tree: REST APIs and their resources.
import { dictionary, type StoredApi, type StoredResource } from "./model.ts";
import {
  badRequest,
  type ControlContext,
  conflict,
  epochSeconds,
  findApi,
  findResource,
  invalidPatch,
  newId,
  pageOf,
  patchOperations,
  patchPath,
  type Route,
  stringMap,
} from "./wire.ts";

const PATH_PART = /^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:@~!$&'()*+,;=-]+)$/;

export function renderApi(api: StoredApi): Record<string, unknown> {
  return {
    id: api.id,
    name: api.name,
    description: api.description,
    createdDate: api.createdDate,
    version: api.version,
    binaryMediaTypes: api.binaryMediaTypes.length > 0 ? api.binaryMediaTypes : undefined,
    apiKeySource: api.apiKeySource,
    endpointConfiguration: api.endpointConfiguration,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    rootResourceId: api.rootResourceId,
    tags: Object.keys(api.tags).length > 0 ? api.tags : undefined,
  };
}

/** Without `embed=methods` API Gateway lists a resource's methods by name only. */
function renderResource(resource: StoredResource, embed: boolean): Record<string, unknown> {
  const methods = Object.entries(resource.resourceMethods);
  return {
    id: resource.id,
    parentId: resource.parentId,
    pathPart: resource.pathPart,
    path: resource.path,
    resourceMethods:
      methods.length === 0
        ? undefined
        : Object.fromEntries(methods.map(([name, method]) => [name, embed ? method : {}])),
  };
}

const embedsMethods = (query: URLSearchParams) => query.getAll("embed").includes("methods");

export function restApiRoutes(control: ControlContext): Route[] {
  const { state, save } = control;
  const located = (params: Record<string, string>, region: string) => {
    const api = findApi(control, params.restApiId, region);
    const resource = findResource(api, params.resourceId);
    return { api, resource };
  };

  return [
    {
      method: "POST",
      template: "/restapis",
      run({ body, region }) {
        const name = body.name;
        if (typeof name !== "string" || name === "") throw badRequest("Invalid REST API name specified");
        const rootId = newId();
        const endpoint = body.endpointConfiguration as StoredApi["endpointConfiguration"] | undefined;
        const api: StoredApi = {
          id: newId(),
          region,
          name,
          createdDate: epochSeconds(),
          binaryMediaTypes: Array.isArray(body.binaryMediaTypes) ? body.binaryMediaTypes.map(String) : [],
          apiKeySource: typeof body.apiKeySource === "string" ? body.apiKeySource : "HEADER",
          endpointConfiguration: { types: endpoint?.types ?? ["EDGE"], ipAddressType: "ipv4" },
          disableExecuteApiEndpoint: body.disableExecuteApiEndpoint === true,
          rootResourceId: rootId,
          tags: dictionary(stringMap(body.tags)),
          resources: dictionary({ [rootId]: { id: rootId, path: "/", resourceMethods: dictionary() } }),
          deployments: dictionary(),
          stages: dictionary(),
        };
        if (typeof body.description === "string") api.description = body.description;
        if (typeof body.version === "string") api.version = body.version;
        state.apis[api.id] = api;
        save();
        return { status: 201, body: renderApi(api) };
      },
    },
    {
      method: "GET",
      template: "/restapis",
      run: ({ query, region }) => {
        // Insertion order breaks ties within a second (the sort is stable).
        const apis = Object.values(state.apis)
          .filter((api) => api.region === region)
          .sort((a, b) => a.createdDate - b.createdDate);
        const page = pageOf(apis, query);
        return { status: 200, body: { ...page, item: page.item.map(renderApi) } };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}",
      run: ({ params, region }) => ({
        status: 200,
        body: renderApi(findApi(control, params.restApiId, region)),
      }),
    },
    {
      method: "PATCH",
      template: "/restapis/{restApiId}",
      run({ params, body, region }) {
        const api = findApi(control, params.restApiId, region);
        for (const operation of patchOperations(body)) {
          const [field, item] = patchPath(operation.path);
          if (field === "binaryMediaTypes" && item) {
            api.binaryMediaTypes = api.binaryMediaTypes.filter((type) => type !== item);
            if (operation.op === "add") api.binaryMediaTypes.push(item);
            else if (operation.op === "replace" && operation.value)
              api.binaryMediaTypes.push(operation.value);
            else if (operation.op !== "remove") throw invalidPatch(operation);
          } else if (
            (field === "name" || field === "description" || field === "version") &&
            operation.op === "replace"
          ) {
            if (field === "name" && !operation.value) throw badRequest("Invalid REST API name specified");
            api[field] = operation.value ?? "";
          } else if (field === "apiKeySource" && operation.op === "replace") {
            api.apiKeySource = operation.value ?? "HEADER";
          } else if (field === "disableExecuteApiEndpoint" && operation.op === "replace") {
            api.disableExecuteApiEndpoint = operation.value === "true";
          } else if (field === "endpointConfiguration" && operation.op === "replace" && operation.value) {
            api.endpointConfiguration.types = [operation.value];
          } else {
            throw invalidPatch(operation);
          }
        }
        save();
        return { status: 200, body: renderApi(api) };
      },
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}",
      run({ params, region }) {
        findApi(control, params.restApiId, region);
        delete state.apis[params.restApiId!];
        save();
        return { status: 202 };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/resources",
      run({ params, query, region }) {
        const api = findApi(control, params.restApiId, region);
        const resources = Object.values(api.resources).sort((a, b) => a.path.localeCompare(b.path));
        const page = pageOf(resources, query);
        const embed = embedsMethods(query);
        return { status: 200, body: { ...page, item: page.item.map((r) => renderResource(r, embed)) } };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/resources/{resourceId}",
      run: ({ params, query, region }) => ({
        status: 200,
        body: renderResource(located(params, region).resource, embedsMethods(query)),
      }),
    },
    {
      method: "POST",
      template: "/restapis/{restApiId}/resources/{resourceId}",
      run({ params, body, region }) {
        const { api, resource: parent } = located(params, region);
        const pathPart = typeof body.pathPart === "string" ? body.pathPart : "";
        if (!PATH_PART.test(pathPart)) {
          throw badRequest(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
          );
        }
        if (/\+\}$/.test(parent.pathPart ?? "")) {
          throw badRequest(
            `Cannot create a child of a resource with a greedy path variable: ${parent.pathPart}`,
          );
        }
        const siblings = Object.values(api.resources).filter((candidate) => candidate.parentId === parent.id);
        if (siblings.some((sibling) => sibling.pathPart === pathPart)) {
          throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
        }
        const variable = siblings.find((sibling) => sibling.pathPart?.startsWith("{"));
        if (pathPart.startsWith("{") && variable) {
          throw badRequest(
            `A sibling (${variable.pathPart}) of this resource already has a variable path part -- only one is allowed`,
          );
        }
        const resource: StoredResource = {
          id: newId(),
          parentId: parent.id,
          pathPart,
          path: parent.path === "/" ? `/${pathPart}` : `${parent.path}/${pathPart}`,
          resourceMethods: dictionary(),
        };
        api.resources[resource.id] = resource;
        save();
        return { status: 201, body: renderResource(resource, false) };
      },
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}/resources/{resourceId}",
      run({ params, region }) {
        const { api, resource } = located(params, region);
        if (resource.id === api.rootResourceId) throw badRequest("Cannot delete root resource");
        const doomed = new Set([resource.id]);
        // Children go with their parent; repeat until no resource hangs off a deleted one.
        for (let grew = true; grew; ) {
          grew = false;
          for (const candidate of Object.values(api.resources)) {
            if (candidate.parentId && doomed.has(candidate.parentId) && !doomed.has(candidate.id)) {
              doomed.add(candidate.id);
              grew = true;
            }
          }
        }
        for (const id of doomed) delete api.resources[id];
        save();
        return { status: 202 };
      },
    },
  ];
}
