// Control plane for what each resource answers: methods, their Lambda proxy (or other) integrations, and
// the method and integration responses.
import type { StoredIntegration, StoredMethod, StoredResource } from "./model.ts";
import {
  badRequest,
  type ControlContext,
  conflict,
  findApi,
  findResource,
  notFound,
  type Route,
  stringMap,
} from "./wire.ts";

const HTTP_METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"]);
const LAMBDA_URI = /^arn:aws:apigateway:[^:]+:[^:]+:(path|action)\/.+/;

function findMethod(resource: StoredResource, httpMethod: string | undefined): StoredMethod {
  const method = httpMethod ? resource.resourceMethods[httpMethod.toUpperCase()] : undefined;
  if (!method) throw notFound("Invalid Method identifier specified");
  return method;
}

function findIntegration(method: StoredMethod): StoredIntegration {
  if (!method.methodIntegration) throw notFound("Invalid Integration identifier specified");
  return method.methodIntegration;
}

export function methodRoutes(control: ControlContext): Route[] {
  const { save } = control;
  const located = (params: Record<string, string>, region: string) => {
    const api = findApi(control, params.restApiId, region);
    return { api, resource: findResource(api, params.resourceId) };
  };

  return [
    {
      method: "PUT",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}",
      run({ params, body, region }) {
        const { resource } = located(params, region);
        const httpMethod = params.httpMethod!.toUpperCase();
        if (!HTTP_METHODS.has(httpMethod))
          throw badRequest(`Invalid HttpMethod specified: ${params.httpMethod}`);
        if (resource.resourceMethods[httpMethod]) throw conflict("Method already exists for this resource");
        const authorizationType = typeof body.authorizationType === "string" ? body.authorizationType : "";
        if (!authorizationType) throw badRequest("Invalid authorization type specified");
        const method: StoredMethod = {
          httpMethod,
          authorizationType,
          apiKeyRequired: body.apiKeyRequired === true,
        };
        if (typeof body.authorizerId === "string") method.authorizerId = body.authorizerId;
        if (typeof body.operationName === "string") method.operationName = body.operationName;
        if (body.requestParameters && typeof body.requestParameters === "object") {
          method.requestParameters = body.requestParameters as Record<string, boolean>;
        }
        const models = stringMap(body.requestModels);
        if (models) method.requestModels = models;
        resource.resourceMethods[httpMethod] = method;
        save();
        return { status: 201, body: method };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}",
      run: ({ params, region }) => ({
        status: 200,
        body: findMethod(located(params, region).resource, params.httpMethod),
      }),
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}",
      run({ params, region }) {
        const { resource } = located(params, region);
        findMethod(resource, params.httpMethod);
        delete resource.resourceMethods[params.httpMethod!.toUpperCase()];
        save();
        return { status: 204 };
      },
    },
    {
      method: "PUT",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}",
      run({ params, body, region }) {
        const method = findMethod(located(params, region).resource, params.httpMethod);
        const response = {
          statusCode: params.statusCode!,
          ...pick(body, ["responseParameters", "responseModels"]),
        };
        method.methodResponses = { ...method.methodResponses, [params.statusCode!]: response };
        save();
        return { status: 201, body: response };
      },
    },
    {
      method: "PUT",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      run({ params, body, region }) {
        const { resource } = located(params, region);
        const method = findMethod(resource, params.httpMethod);
        const type = typeof body.type === "string" ? body.type : "";
        if (!["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"].includes(type)) {
          throw badRequest(
            `Enumeration value for Integration type must be one of: AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK`,
          );
        }
        const uri = typeof body.uri === "string" ? body.uri : undefined;
        if (type !== "MOCK") {
          if (typeof body.httpMethod !== "string")
            throw badRequest("Enumeration value for HttpMethod must be non-empty");
          if (!uri) throw badRequest("Invalid integration URI specified");
          if (type.startsWith("AWS") && !LAMBDA_URI.test(uri)) {
            throw badRequest("AWS ARN for integration must contain path or action");
          }
        }
        const integration: StoredIntegration = {
          type,
          passthroughBehavior:
            typeof body.passthroughBehavior === "string" ? body.passthroughBehavior : "WHEN_NO_MATCH",
          timeoutInMillis: typeof body.timeoutInMillis === "number" ? body.timeoutInMillis : 29000,
          cacheNamespace: typeof body.cacheNamespace === "string" ? body.cacheNamespace : resource.id,
          cacheKeyParameters: Array.isArray(body.cacheKeyParameters)
            ? body.cacheKeyParameters.map(String)
            : [],
          ...pick(body, ["requestParameters", "requestTemplates", "contentHandling", "credentials"]),
        };
        if (typeof body.httpMethod === "string") integration.httpMethod = body.httpMethod.toUpperCase();
        if (uri) integration.uri = uri;
        method.methodIntegration = integration;
        save();
        return { status: 201, body: integration };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      run: ({ params, region }) => ({
        status: 200,
        body: findIntegration(findMethod(located(params, region).resource, params.httpMethod)),
      }),
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      run({ params, region }) {
        const method = findMethod(located(params, region).resource, params.httpMethod);
        findIntegration(method);
        delete method.methodIntegration;
        save();
        return { status: 204 };
      },
    },
    {
      method: "PUT",
      template:
        "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration/responses/{statusCode}",
      run({ params, body, region }) {
        const integration = findIntegration(findMethod(located(params, region).resource, params.httpMethod));
        const response = {
          statusCode: params.statusCode!,
          ...pick(body, ["selectionPattern", "responseParameters", "responseTemplates", "contentHandling"]),
        };
        integration.integrationResponses = {
          ...integration.integrationResponses,
          [params.statusCode!]: response,
        };
        save();
        return { status: 201, body: response };
      },
    },
  ];
}

function pick(body: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]),
  );
}
