// docs/api/openapi.yaml stays honest: it parses, declares OpenAPI 3.1, its references resolve,
// every operation declares its security and path parameters, and it documents exactly the
// routes that `worktrace-server routes` prints: no route without documentation, no documented
// operation the server does not have.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { Harness } from '../lib/harness.mjs';
import { repoRoot } from '../lib/paths.mjs';

const kDocumentPath = path.join(repoRoot, 'docs', 'api', 'openapi.yaml');
const kHttpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Parses the document; fails naming every YAML error or warning (duplicate keys included). */
async function loadDocument() {
  const text = await readFile(kDocumentPath, 'utf8');
  const parsed = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problems = [...parsed.errors, ...parsed.warnings].map((problem) => problem.message);
  assert.deepEqual(problems, [], `${kDocumentPath} is not clean YAML:\n${problems.join('\n')}`);
  return parsed.toJS();
}

/** The object a local reference ("#/components/...") points at, or undefined. */
function resolvePointer(spec, ref) {
  if (!ref.startsWith('#/')) return undefined;
  let node = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Calls `visit(value, where)` for every `$ref` string in `node`. */
function eachRef(node, where, visit) {
  if (Array.isArray(node)) {
    node.forEach((item, index) => eachRef(item, `${where}[${index}]`, visit));
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') visit(value, where);
      else eachRef(value, `${where}/${key}`, visit);
    }
  }
}

/** Every operation as {method: "GET", path, operation, pathItem}. */
function operations(spec) {
  const found = [];
  for (const [pathName, pathItem] of Object.entries(spec.paths ?? {})) {
    for (const method of kHttpMethods) {
      if (pathItem[method]) found.push({ method: method.toUpperCase(), path: pathName, operation: pathItem[method], pathItem });
    }
  }
  return found;
}

/** "METHOD /a/{id}/b" with parameter names dropped, so only the shape of the path counts. */
function routeKey(method, pattern) {
  return `${method.toUpperCase()} ${pattern.replace(/\{[^}/]*\}/g, '{}')}`;
}

/** A parameter object, following one local $ref. */
function deref(spec, parameter) {
  return parameter?.$ref ? resolvePointer(spec, parameter.$ref) : parameter;
}

describe('docs/api/openapi.yaml', () => {
  let spec;

  before(async () => {
    spec = await loadDocument();
  });

  test('parses and declares OpenAPI 3.1.x', () => {
    assert.equal(typeof spec.openapi, 'string', 'the document has no `openapi` field');
    assert.match(spec.openapi, /^3\.1\.\d+$/, `openapi is ${spec.openapi}, not 3.1.x`);
    assert.equal(typeof spec.info?.title, 'string', 'info.title is missing');
    assert.equal(typeof spec.info?.version, 'string', 'info.version is missing');
    assert.ok(operations(spec).length > 0, 'the document has no operations');
  });

  test('every local $ref resolves', () => {
    const broken = [];
    eachRef(spec, '#', (ref, where) => {
      if (resolvePointer(spec, ref) === undefined) broken.push(`${where}: ${ref}`);
    });
    assert.deepEqual(broken, [], `unresolved references:\n${broken.join('\n')}`);
  });

  test('every operation has a unique operationId, explicit security and its path parameters', () => {
    const problems = [];
    const ids = new Map();
    const schemes = new Set(Object.keys(spec.components?.securitySchemes ?? {}));
    const roles = new Set(spec.components?.schemas?.Role?.enum ?? []);
    const scopes = new Set(spec.components?.schemas?.Scope?.enum ?? []);
    assert.ok(roles.size > 0 && scopes.size > 0, 'components.schemas.Role and Scope must be enums');
    for (const { method, path: pathName, operation, pathItem } of operations(spec)) {
      const where = `${method} ${pathName}`;
      if (typeof operation.operationId !== 'string') problems.push(`${where}: no operationId`);
      else if (ids.has(operation.operationId)) {
        problems.push(`${where}: operationId ${operation.operationId} is also used by ${ids.get(operation.operationId)}`);
      } else ids.set(operation.operationId, where);

      if (!Array.isArray(operation.security)) {
        problems.push(`${where}: no \`security\` list (use [] for a public operation)`);
      } else {
        for (const requirement of operation.security) {
          for (const name of Object.keys(requirement)) {
            if (!schemes.has(name)) problems.push(`${where}: unknown security scheme ${name}`);
          }
        }
      }
      if (!operation.responses || Object.keys(operation.responses).length === 0) {
        problems.push(`${where}: no responses`);
      }

      // x-roles and x-scope name real roles and scopes, and an API token must hold x-scope.
      for (const role of operation['x-roles'] ?? []) {
        if (!roles.has(role)) problems.push(`${where}: x-roles names an unknown role ${role}`);
      }
      const scope = operation['x-scope'];
      if (scope !== undefined && !scopes.has(scope)) problems.push(`${where}: x-scope ${scope} is not a Scope`);
      for (const requirement of operation.security ?? []) {
        if (!requirement.apiToken) continue;
        if (JSON.stringify(requirement.apiToken) !== JSON.stringify(scope === undefined ? [] : [scope])) {
          problems.push(`${where}: the apiToken requirement ${JSON.stringify(requirement.apiToken)} does not match x-scope ${scope}`);
        }
      }

      const templated = [...pathName.matchAll(/\{([^}/]+)\}/g)].map((match) => match[1]).sort();
      const declared = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]
        .map((parameter) => deref(spec, parameter))
        .filter((parameter) => parameter?.in === 'path');
      const declaredNames = declared.map((parameter) => parameter.name).sort();
      if (JSON.stringify(templated) !== JSON.stringify(declaredNames)) {
        problems.push(`${where}: path parameters ${JSON.stringify(declaredNames)} do not match the template ${JSON.stringify(templated)}`);
      }
      for (const parameter of declared) {
        if (parameter.required !== true) problems.push(`${where}: path parameter ${parameter.name} is not required: true`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});

describe('openapi.yaml and `worktrace-server routes`', () => {
  const h = new Harness('integration-openapi');

  after(() => h.cleanup());

  test('document exactly the same routes', async () => {
    const spec = await loadDocument();

    // Documented operations by route key; `builtin` ones (served by the dispatcher before the
    // router: /healthz, /metrics, the WebSockets) need not appear in the router's list.
    const documented = new Map();
    for (const { method, path: pathName, operation } of operations(spec)) {
      documented.set(routeKey(method, pathName), { label: `${method} ${pathName}`, builtin: operation['x-worktrace-builtin'] === true });
    }
    for (const socket of spec['x-websockets'] ?? []) {
      const method = socket.method ?? 'GET';
      documented.set(routeKey(method, socket.path), { label: `${method} ${socket.path} (x-websockets)`, builtin: true });
    }

    const served = new Map();
    for (const line of await h.routes()) {
      const [method, pattern] = line.split(' ');
      served.set(routeKey(method, pattern), line);
    }
    assert.ok(served.size > 0, '`worktrace-server routes` printed no routes');

    const undocumented = [...served].filter(([key]) => !documented.has(key)).map(([, line]) => line);
    const unserved = [...documented]
      .filter(([key, entry]) => !entry.builtin && !served.has(key))
      .map(([, entry]) => entry.label);
    const report = [];
    if (undocumented.length > 0) {
      report.push(`served but not documented in docs/api/openapi.yaml:\n  ${undocumented.sort().join('\n  ')}`);
    }
    if (unserved.length > 0) {
      report.push(`documented in docs/api/openapi.yaml but not served:\n  ${unserved.sort().join('\n  ')}`);
    }
    if (report.length > 0) {
      assert.fail(`openapi.yaml is out of step with \`worktrace-server routes\`:\n${report.join('\n')}`);
    }
  });
});
