/**
 * Loading and checking detector rule files. The built-in rules ship as data
 * (rules/detectors.json); a policy may add a file of its own in the same format.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { BulwarkError } from '../errors/index.js';
import builtinRules from './rules/detectors.json' with { type: 'json' };
import detectorsSchema from './rules/detectors.schema.json' with { type: 'json' };
import type { ValidatorName } from './validators/index.js';

export interface DetectorRule {
  readonly id: string;
  readonly description: string;
  readonly category: 'secret' | 'pii';
  readonly keywords: readonly string[];
  readonly regex: string;
  readonly flags?: string;
  readonly secretGroup?: number;
  readonly entropy?: number;
  readonly validator?: ValidatorName;
  readonly maxLength: number;
  readonly stopwords?: readonly string[];
  readonly tags?: readonly string[];
}

export interface DetectorFile {
  readonly version: 1;
  readonly allowlist?: { readonly values?: readonly string[]; readonly regexes?: readonly string[] };
  readonly rules: readonly DetectorRule[];
}

let validateFile: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => {
      const where = error.instancePath === '' ? '/' : error.instancePath;
      const extra = error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
      return `${where}: ${error.message ?? 'is invalid'}${extra}`;
    })
    .join('\n');
}

/** Validates a parsed rules file against the schema and checks that each regex compiles. */
export function checkDetectorFile(data: unknown, label: string): DetectorFile {
  validateFile ??= new Ajv2020({ allErrors: true, strict: true }).compile(detectorsSchema);
  if (!validateFile(data)) {
    throw new BulwarkError('BWK_REDACT_RULES_INVALID', `${label} is not a valid detector rules file:\n${describeErrors(validateFile.errors ?? [])}`, {
      fix: 'compare it with the schema printed by `bulwark redact --rules-schema` and fix the fields named above',
      details: { file: label },
    });
  }
  const file = data as DetectorFile;
  const seen = new Set<string>();
  for (const [index, rule] of file.rules.entries()) {
    if (seen.has(rule.id)) {
      throw new BulwarkError('BWK_REDACT_RULES_INVALID', `${label}: /rules/${index}/id "${rule.id}" is used twice`, { fix: 'give each rule a unique id' });
    }
    seen.add(rule.id);
    try {
      // eslint-disable-next-line security/detect-non-literal-regexp -- rules are schema-checked data; built-in ones are proven linear by test/redact/linear.test.ts
      new RegExp(rule.regex, rule.flags ?? '');
    } catch (error) {
      throw new BulwarkError('BWK_REDACT_RULES_INVALID', `${label}: /rules/${index}/regex does not compile: ${(error as Error).message}`, {
        fix: 'write a JavaScript regular expression (no (?i) inline flags; use "flags": "i")',
      });
    }
  }
  return file;
}

export function builtinDetectors(): DetectorFile {
  return builtinRules as DetectorFile;
}

export function loadDetectorFile(path: string): DetectorFile {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the path comes from the operator's policy
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BulwarkError('BWK_IO', `cannot read detector rules file ${path}: ${(error as Error).message}`, {
      fix: 'check redaction.extraRulesFile in the policy',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BulwarkError('BWK_REDACT_RULES_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { fix: 'fix the JSON syntax' });
  }
  return checkDetectorFile(data, path);
}

export { detectorsSchema };
