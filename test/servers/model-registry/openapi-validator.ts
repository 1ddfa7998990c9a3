/**
 * Validates test-registry responses against the Model Registry's OpenAPI contract (fixtures/openapi.yaml)
 * with ajv. The spec's `oneOf` + `discriminator.mapping` is rewritten into `if/then` branches first: ajv
 * without the rewrite rejects valid artifact lists (a model artifact also matches the looser DocArtifact
 * schema, so `oneOf` sees two matches), and ajv's own `discriminator: true` refuses `mapping`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, unknown>;

const here = dirname(fileURLToPath(import.meta.url));
/** The verbatim contract (see fixtures/PROVENANCE.md). */
export const OPENAPI_PATH = join(here, 'fixtures', 'openapi.yaml');
export const OPENAPI_SHA256 = '5f78931f7a04dd8d56fdff38410bad10e0726399787da0163f087851700bb596';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as
  (ajv: Ajv) => Ajv;

/** The parsed spec. */
export function loadOpenApi(): Json {
  return parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
}

/**
 * Replaces every `oneOf` + `discriminator` with `mapping` by: the discriminator property is required and one
 * of the mapped values, and `if` it equals a value `then` the mapped schema applies. Returns a new tree.
 */
export function rewriteDiscriminators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteDiscriminators);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = rewriteDiscriminators(value);
  const discriminator = out.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (!Array.isArray(out.oneOf) || discriminator?.propertyName === undefined || discriminator.mapping === undefined) {
    return out;
  }
  const prop = discriminator.propertyName;
  const mapping = discriminator.mapping;
  const { oneOf: _oneOf, discriminator: _d, ...rest } = out;
  return {
    ...rest,
    type: 'object',
    required: [...((rest.required as string[] | undefined) ?? []), prop],
    properties: { ...(rest.properties as Json | undefined), [prop]: { type: 'string', enum: Object.keys(mapping) } },
    allOf: [
      ...((rest.allOf as unknown[] | undefined) ?? []),
      ...Object.entries(mapping).map(([value, ref]) => ({
        if: { properties: { [prop]: { const: value } }, required: [prop] },
        then: { $ref: ref },
      })),
    ],
  };
}

/** Points local `#/...` refs at the registered spec document. */
function retarget(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(retarget);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `mr${value}` : retarget(value);
  }
  return out;
}

export interface ResponseValidator {
  /** Problems with one response (empty when it matches the contract). `path` is the full request path. */
  validate(method: string, path: string, status: number, contentType: string | undefined, body: unknown): string[];
}

/**
 * A validator for responses of a registry whose API sits under `basePath`.
 * `rewrite: false` compiles the spec as written (to show why the rewrite is needed).
 */
export function createResponseValidator(basePath = '', options: { rewrite?: boolean } = {}): ResponseValidator {
  const spec = loadOpenApi();
  const components = spec.components as Json;
  const schemas = options.rewrite === false ? components.schemas : rewriteDiscriminators(components.schemas);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'mr', components: { schemas } });
  const compiled = new Map<string, ValidateFunction>();

  const routes = Object.entries(spec.paths as Record<string, Json>).map(([template, item]) => ({
    template, item,
    params: (template.match(/\{/g) ?? []).length,
    re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  })).sort((a, b) => a.params - b.params);

  return {
    validate(method, path, status, contentType, body) {
      const local = basePath && path.startsWith(basePath) ? path.slice(basePath.length) : path;
      const route = routes.find((r) => r.re.test(local));
      if (!route) return [`${method} ${path}: no such path in the contract`];
      const op = route.item[method.toLowerCase()] as Json | undefined;
      if (!op) return [`${method} ${route.template}: no such operation in the contract`];
      const responses = op.responses as Record<string, Json>;
      let response = responses[String(status)] ?? responses.default;
      if (!response) return [`${method} ${route.template}: status ${status} is not documented`];
      if (typeof response.$ref === 'string') {
        response = (components.responses as Record<string, Json>)[response.$ref.split('/').pop()!]!;
      }
      const media = (response.content as Record<string, { schema: unknown }> | undefined)?.['application/json'];
      if (!media) return body === undefined || body === '' ? [] : [`${method} ${route.template} ${status}: no body expected`];
      if (!contentType?.startsWith('application/json')) {
        return [`${method} ${route.template} ${status}: content-type ${contentType ?? '(none)'} is not application/json`];
      }
      const key = JSON.stringify(media.schema);
      let check = compiled.get(key);
      if (!check) {
        check = ajv.compile(retarget(media.schema) as Json);
        compiled.set(key, check);
      }
      if (check(body)) return [];
      return (check.errors ?? []).map((e) => `${method} ${route.template} ${status}: ${e.instancePath || '/'} ${e.message ?? ''}`);
    },
  };
}
