/**
 * The security-constraints policy (`bulwark.config.json`): its schema, the secure defaults, the
 * loader and `explain`. Other modules import only this file, and read their own section:
 *
 *   const { policy } = await loadPolicy({ file: opts.config });
 *   startGateway(policy.gateway);
 *
 * Adding a section means adding it to policy.schema.json and types.ts; the loader does not change.
 */
export type {
  AuditPolicy,
  AuditSink,
  AuthorizationRule,
  ExecutionPolicy,
  ExplainEntry,
  FilesystemPolicy,
  GatewayPolicy,
  LoadedPolicy,
  LogLevel,
  LogPolicy,
  NetworkPolicy,
  Policy,
  PolicyProblem,
  PolicyProblemCode,
  PolicySection,
  RagPolicy,
  RedactionPolicy,
  SandboxLimits,
  SandboxPolicy,
  ScanPolicy,
  SecretsPolicy,
  Severity,
  Source,
  TlsVersion,
  TokenBucket,
  ValidatedPolicy,
} from './types.js';
export type { Env } from './interpolate.js';
export type { LoadPolicyOptions, LocatedPolicy } from './load.js';

export { canonicalJson, defaultPolicy, policyHash, policyProblemsError, validatePolicyDocument, validatePolicyText } from './validate.js';
export { DEFAULT_POLICY_FILE, loadPolicy, locatePolicyFile, MAX_POLICY_BYTES, POLICY_ENV_VAR, readPolicyFile } from './load.js';
export { describeSource, explainPolicy, formatExplainTable, MASK, maskSecrets, policySecretValues } from './explain.js';
export { envFields, policySchema, policySchemaText, schemaAt, secretFields, SCHEMA_URL } from './schema.js';
export { didYouMean, editDistance, formatProblem, problemsFromAjv } from './problems.js';
export type { SchemaWalker } from './problems.js';
export { JsonSyntaxError, parseJson } from './json.js';
export { initialPolicyText, policySchemaId } from './init.js';
export { commandBaseName, hostEntryProblem, isLoopbackHost, semanticProblems, SHELLS } from './semantic.js';
