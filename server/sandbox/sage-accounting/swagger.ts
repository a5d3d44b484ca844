/**
 * Checks requests and responses against Sage's own v3.1 swagger files (a 2022 copy in
 * `shared/providers/specs/`, beside the repository), with ajv. Swagger 2.0 has no `null`, but
 * Sage returns nulls for empty fields, so every typed field also accepts null. Objects are
 * checked strictly (no fields the spec does not name), except for the few fields Sage added
 * after 2022 (`analysis_type_categories` on lines, a bank account's `currency`).
 * Test tooling: the sandbox and the adapter's contract test use it; nothing at run time does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;

interface SwaggerDoc {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; schema?: Schema }>; responses?: Record<string, { schema?: Schema }> }>>;
  definitions: Record<string, Schema>;
}

/** Fields newer than the 2022 swagger that current Sage returns or takes. */
const laterFields: Record<string, Schema> = { analysis_type_categories: { type: 'array' } };
const laterFieldsByDefinition: Record<string, Record<string, Schema>> = { BankAccount: { currency: {} } };

/** Where the spec files are: $SAGE_SWAGGER_DIR, else `<repo>/../shared/providers/specs`. */
export function swaggerDir(): string {
  if (process.env.SAGE_SWAGGER_DIR) return process.env.SAGE_SWAGGER_DIR;
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return resolve(repo, '../shared/providers/specs');
}

export const swaggerFiles = {
  accounts: 'sage-accounting-v3.1-swagger.full.json',
  businesses: 'sage-accounting-v3.1-swagger.user_businesses.json',
};

export function swaggerAvailable(dir = swaggerDir()): boolean {
  return existsSync(resolve(dir, swaggerFiles.accounts)) && existsSync(resolve(dir, swaggerFiles.businesses));
}

/** Swagger 2 schema → JSON schema: nullable types, definitions refs kept, strict objects. */
function convert(node: unknown, strict: boolean, definition?: string): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, strict));
  if (typeof node !== 'object' || node === null) return node;
  const s = node as Schema;
  if (typeof s.$ref === 'string') return { anyOf: [{ $ref: s.$ref }, { type: 'null' }] };
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      const props: Schema = {};
      for (const [name, sub] of Object.entries(value as Schema)) props[name] = convert(sub, strict);
      out.properties = props;
    } else if (key === 'items' || key === 'additionalProperties' || key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = convert(value, strict);
    } else if (key === 'type' && typeof value === 'string') {
      out.type = [value, 'null'];
    } else if (key === 'description' || key.startsWith('x-') || key === 'example' || key === 'readOnly') {
      // documentation only
    } else {
      out[key] = value;
    }
  }
  if (strict && out.properties && out.additionalProperties === undefined) {
    out.properties = { ...laterFields, ...(definition ? laterFieldsByDefinition[definition] : {}), ...(out.properties as Schema) };
    out.additionalProperties = false;
  }
  return out;
}

export interface SwaggerCheck {
  /** Problems with a request body (e.g. POST /purchase_invoices), or [] when it fits. */
  request(method: string, path: string, body: unknown): string[];
  /** Problems with a response body; list envelopes are checked item by item. */
  response(method: string, path: string, status: number, body: unknown): string[];
  /** Whether the spec has this operation (analysis types, for one, are newer than the copy). */
  knows(method: string, path: string): boolean;
}

export function loadSwaggerCheck(dir = swaggerDir()): SwaggerCheck {
  if (!swaggerAvailable(dir)) {
    throw new Error(`Sage's swagger files (${swaggerFiles.accounts}, ${swaggerFiles.businesses}) are not in ${dir}: check out shared/ beside the repository or set SAGE_SWAGGER_DIR.`);
  }
  const read = (file: string) => JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as SwaggerDoc;
  const docs = [read(swaggerFiles.accounts), read(swaggerFiles.businesses)];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default ? addFormats.default(ajv) : (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true);
  const definitions = docs.map((doc) => Object.fromEntries(Object.entries(doc.definitions).map(([name, schema]) => [name, convert(schema, true, name)])));
  const cache = new Map<string, ValidateFunction>();

  const operation = (method: string, path: string) => {
    const clean = path.replace(/^.*\/v3\.1/, '').split('?')[0] as string;
    for (const [i, doc] of docs.entries()) {
      for (const [template, ops] of Object.entries(doc.paths)) {
        const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        const op = ops[method.toLowerCase()];
        if (re.test(clean) && op) return { op, doc: i, key: `${i} ${method} ${template}` };
      }
    }
    return undefined;
  };

  const compile = (key: string, doc: number, schema: Schema) => {
    let fn = cache.get(key);
    if (!fn) {
      fn = ajv.compile({ ...(convert(schema, true) as Schema), definitions: definitions[doc] });
      cache.set(key, fn);
    }
    return fn;
  };
  const problems = (fn: ValidateFunction, value: unknown, where: string) =>
    fn(value) ? [] : (fn.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);

  return {
    knows: (method, path) => operation(method, path) !== undefined,
    request(method, path, body) {
      const found = operation(method, path);
      if (!found) return [`the swagger has no ${method} ${path}`];
      const param = found.op.parameters?.find((p) => p.in === 'body');
      if (!param?.schema) return [`the swagger takes no body for ${method} ${path}`];
      return problems(compile(`${found.key} request`, found.doc, param.schema), body, 'request');
    },
    response(method, path, status, body) {
      const found = operation(method, path);
      if (!found) return [`the swagger has no ${method} ${path}`];
      const schema = found.op.responses?.[String(status)]?.schema;
      if (!schema) return status === 204 ? [] : [`the swagger has no ${status} response for ${method} ${path}`];
      // The swagger describes list answers as arrays; Sage wraps them in its paging envelope.
      if (schema.type === 'array' && typeof body === 'object' && body !== null && !Array.isArray(body) && '$items' in body) {
        const envelope = body as Record<string, unknown>;
        const out: string[] = [];
        for (const key of ['$total', '$page', '$itemsPerPage']) if (typeof envelope[key] !== 'number') out.push(`envelope ${key} is not a number`);
        for (const key of ['$next', '$back']) if (envelope[key] !== null && typeof envelope[key] !== 'string') out.push(`envelope ${key} is neither a path nor null`);
        return [...out, ...problems(compile(`${found.key} ${status}`, found.doc, schema), envelope.$items, 'response.$items')];
      }
      return problems(compile(`${found.key} ${status}`, found.doc, schema), body, 'response');
    },
  };
}
