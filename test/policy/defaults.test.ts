import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPolicy, policyHash, policySchema, validatePolicyText, type Policy } from '../../src/policy/index.js';
import { resolveNode, schemaFields, type SchemaNode } from '../../src/policy/schema.js';

/**
 * The defaults written out by hand and typed as Policy: TypeScript rejects a missing or extra
 * field here, and the deepEqual below rejects any difference from the schema's defaults. Together
 * they hold types.ts and policy.schema.json to the same shape.
 */
const EXPECTED: Policy = {
  version: 1,
  execution: {
    allowedCommands: [],
    blockedCommands: [
      'sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'csh', 'tcsh', 'fish', 'busybox',
      'pwsh', 'powershell', 'powershell.exe', 'cmd', 'cmd.exe', 'osascript', 'script',
      'sudo', 'su', 'doas', 'pkexec', 'runas',
      'env', 'xargs', 'nohup', 'setsid', 'chroot', 'nsenter', 'unshare',
    ],
    allowShell: false,
  },
  filesystem: {
    readRoots: [],
    writeRoots: [],
    protectedPatterns: [
      '.env', '.env.*', '*.pem', '*.key', '*.p12', '*.pfx', '*.ppk', '*.kdbx', '*.tfstate',
      'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519',
      '.ssh/', '.gnupg/', '.git/', '.aws/', '.azure/', '.kube/', '.config/gcloud/', '.docker/config.json',
      '.npmrc', '.pypirc', '.netrc', '.git-credentials', '.pgpass', '.vault-token',
      '.bashrc', '.bash_profile', '.zshrc', '.profile',
      'bulwark.config.json', '.bulwark-state/',
    ],
  },
  network: { allowedHosts: [], minTlsVersion: 'TLSv1.3', blockPrivateAddresses: true, blockMetadataEndpoint: true, allowInsecureHttp: false },
  redaction: {
    pii: true,
    keys: [
      '*api_key*', '*apikey*', '*_token', 'token', 'password*', '*password*', '*passwd*', '*passphrase*',
      'secret', '*secret*', 'authorization', 'proxy_authorization', 'cookie', 'set_cookie',
      '*private_key*', '*privatekey*', '*accesstoken*', '*authtoken*', '*refreshtoken*', '*apitoken*',
      '*sessiontoken*', 'credentials', '*access_key*', 'x_api_key',
    ],
    nonSecretKeys: [
      '*_header', '*header', '*_name', '*name', '*_env', '*env', '*_var', '*_field', '*_param', '*_file', '*_path',
      '*_length', '*_count', '*_type', '*_prefix', '*length', '*count', '*size', 'csrf*', '*csrf_token', 'xsrf*', '*xsrf_token',
      '*page_token', 'continuation_token', 'next_token', 'nonsecretkeys',
    ],
    disabledRules: [],
    extraRulesFile: null,
    minRegisteredSecretLength: 6,
    mask: '*****',
  },
  log: { level: 'info', format: 'auto' },
  audit: { enabled: true, stateDir: null, fsync: 'always', checkpointEvery: 1000, checkpointSeconds: 60, retentionDays: 90, failClosed: true, sinks: [] },
  secrets: { provider: 'auto', vaultPath: null, passphraseEnv: 'BULWARK_PASSPHRASE' },
  gateway: {
    listen: { host: '127.0.0.1', port: 8443 },
    tls: { enabled: true, certFile: null, keyFile: null, minVersion: 'TLSv1.3' },
    allowPlainHttpOnLoopback: false,
    auth: { mode: 'apiKey', required: true, oauth: { issuer: null, audience: null, jwksUrl: null, clockSkewSeconds: 30 } },
    cors: { origins: [] },
    rateLimit: {
      enabled: true,
      perPrincipal: { capacity: 60, refillPerSecond: 1 },
      perTool: { capacity: 30, refillPerSecond: 0.5 },
      authFailures: { capacity: 5, refillPerSecond: 0.1 },
    },
    maxRequestBytes: 1048576,
    maxResultBytes: 4194304,
    toolNamespaceSeparator: '__',
    defaultRedaction: 'secrets+pii',
    authorization: { rules: [], default: 'deny' },
  },
  rag: { enabled: false, defaultDecision: 'deny', maxResults: 20, store: { url: null } },
  scan: { failOn: 'high', ignorePaths: ['node_modules/', 'dist/', '.git/', 'coverage/'], baselineFile: null, history: false },
  sandbox: { level: 'strict', allowWeaker: false, defaultLimits: { memoryMb: 512, cpuSeconds: 60, processes: 32, outputMb: 64, openFiles: 256 } },
};

void test('an empty policy fills the whole tree with the secure defaults', () => {
  const { policy, sources } = validatePolicyText('{}', 'empty.json');
  assert.deepEqual(policy, EXPECTED);
  assert.deepEqual(defaultPolicy(), EXPECTED);
  assert.ok(sources.size > 60);
  for (const [path, source] of sources) assert.deepEqual(source, { kind: 'default' }, path);
});

void test('every schema field is documented, and every optional field has a default', () => {
  const optionalByDesign = new Set(['/$schema', '/$comment']);
  for (const { path, node } of schemaFields()) {
    assert.ok(typeof node.description === 'string' && node.description.length > 0, `${path} has no description`);
    if (optionalByDesign.has(path) || path.endsWith('/$comment')) continue;
    // Fields inside array items are required or defaulted per item; everything else must default.
    const required = isRequiredItemField(path);
    assert.ok(required || node.default !== undefined, `${path} has no default`);
  }
});

function isRequiredItemField(path: string): boolean {
  const parentPath = path.slice(0, path.lastIndexOf('/'));
  const key = path.slice(path.lastIndexOf('/') + 1);
  const parent = schemaFields().find((field) => `${field.path}/*` === parentPath);
  const items: SchemaNode | undefined = parent?.node.items === undefined ? undefined : resolveNode(parent.node.items);
  return items?.required?.includes(key) === true;
}

void test('objects forbid unknown keys at every level', () => {
  const check = (node: SchemaNode, path: string): void => {
    const resolved = resolveNode(node);
    if (resolved.properties !== undefined) {
      assert.equal((resolved as { additionalProperties?: unknown }).additionalProperties, false, `${path} allows unknown keys`);
      for (const [key, child] of Object.entries(resolved.properties)) check(child, `${path}/${key}`);
    }
    if (resolved.items !== undefined) check(resolved.items, `${path}/*`);
  };
  check(policySchema(), '');
});

void test('x-env is only on string fields, and the schema marks the expected secret fields', () => {
  for (const { path, node } of schemaFields()) {
    if (node['x-env'] === true) {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      assert.ok(types.includes('string'), `${path} is x-env but not a string`);
    }
  }
  const secrets = schemaFields().filter((field) => field.node['x-secret'] === true).map((field) => field.path);
  assert.deepEqual(secrets, ['/audit/sinks/*/url', '/rag/store/url']);
});

void test('the effective policy is frozen, and $schema and $comment are not part of it', () => {
  const { policy } = validatePolicyText('{"$schema":"x","$comment":"note","gateway":{"$comment":"n","cors":{"origins":[]}}}', 'f.json');
  assert.ok(Object.isFrozen(policy));
  assert.ok(Object.isFrozen(policy.gateway.cors.origins));
  assert.equal(Object.hasOwn(policy, '$schema'), false);
  assert.equal(Object.hasOwn(policy, '$comment'), false);
  assert.equal(Object.hasOwn(policy.gateway, '$comment'), false);
  assert.throws(() => {
    (policy.execution as { allowShell: boolean }).allowShell = true;
  }, TypeError);
});

void test('the hash is stable across key order, whitespace and comments, and changes with any value', () => {
  const a = validatePolicyText('{"network":{"allowInsecureHttp":false,"allowedHosts":["a.example.com"]},"log":{"level":"warn"}}', 'a.json');
  const b = validatePolicyText('{\n  "$comment": "same policy",\n  "log": { "level": "warn" },\n  "network": { "allowedHosts": ["a.example.com"] }\n}\n', 'b.json');
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  assert.equal(a.hash, b.hash);
  assert.equal(a.hash, policyHash(b.policy));
  const c = validatePolicyText('{"network":{"allowedHosts":["b.example.com"]},"log":{"level":"warn"}}', 'c.json');
  assert.notEqual(a.hash, c.hash);
  assert.equal(policyHash(defaultPolicy()), validatePolicyText('{}', 'x').hash);
});
