/**
 * Accuracy on a generated corpus: every supported format embedded in realistic .env, JSON, YAML,
 * log and source lines (true positives), each rule's near misses, and hard negatives (UUIDs, git
 * SHAs, hashes, base64 blobs, documented example keys, prose with the word "password", versions,
 * dates, IPs). Recall and false positives per rule for bulwark, and secretlint's on the same files.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRedactor, SecretRegistry, type Finding } from '../src/redact/index.js';
import { hardNegatives, sampleRuleIds, samplesFor } from '../test/redact/fixtures/generate.js';
import { fixed, table, timeCommand, WORK } from './util.js';

interface Sample {
  readonly file: string;
  readonly rule: string;
  readonly kind: 'positive' | 'negative' | 'near-miss' | 'hard-negative';
  readonly text: string;
  /** For positives: the span the tool must mask. */
  readonly span?: readonly [number, number];
}

export interface RuleAccuracy {
  readonly rule: string;
  readonly positives: number;
  readonly negatives: number;
  readonly bulwarkRecall: number;
  readonly bulwarkFalsePositives: number;
  readonly nearMisses: number;
  readonly bulwarkNearMissFalsePositives: number;
  readonly secretlintRecall: number;
  readonly secretlintFalsePositives: number;
}

export interface AccuracyBenchResult {
  readonly rules: RuleAccuracy[];
  readonly totals: {
    positives: number;
    negatives: number;
    nearMisses: number;
    bulwarkNearMissFalsePositives: number;
    bulwarkRecall: number;
    secretlintRecall: number;
    bulwarkFalsePositives: number;
    secretlintFalsePositives: number;
    hardNegatives: number;
    bulwarkHardFalsePositives: number;
    secretlintHardFalsePositives: number;
  };
  readonly falsePositiveRules: Record<string, number>;
}

function covers(ranges: readonly (readonly [number, number])[], span: readonly [number, number]): boolean {
  // Masked means every character of the secret is inside some reported range.
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let at = span[0];
  for (const [start, end] of sorted) {
    if (start > at) break;
    at = Math.max(at, end);
    if (at >= span[1]) return true;
  }
  return at >= span[1];
}

function buildCorpus(): Sample[] {
  const samples: Sample[] = [];
  for (const rule of sampleRuleIds()) {
    const { positives, negatives, nearMisses } = samplesFor(rule);
    positives.forEach((positive, index) => {
      const start = positive.text.indexOf(positive.secret);
      samples.push({ file: `pos-${rule}-${index}.txt`, rule, kind: 'positive', text: positive.text, span: [start, start + positive.secret.length] });
    });
    negatives.forEach((text, index) => samples.push({ file: `neg-${rule}-${index}.txt`, rule, kind: 'negative', text }));
    nearMisses.forEach((text, index) => samples.push({ file: `near-${rule}-${index}.txt`, rule, kind: 'near-miss', text }));
  }
  hardNegatives().forEach((text, index) => samples.push({ file: `hard-${index}.txt`, rule: 'hard-negative', kind: 'hard-negative', text }));
  return samples;
}

interface RuleCounts {
  positives: number;
  negatives: number;
  nearMisses: number;
  ours: number;
  theirs: number;
  oursFp: number;
  theirsFp: number;
  oursNearFp: number;
}

interface SecretlintMessage {
  readonly range: readonly [number, number];
}

function runSecretlint(dir: string): Map<string, SecretlintMessage[]> {
  const rc = `${WORK}accuracy-secretlintrc.json`;
  writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const out = `${WORK}accuracy-secretlint.json`;
  timeCommand([process.execPath, 'node_modules/secretlint/bin/secretlint.js', `${dir}*.txt`, '--secretlintrc', rc, '--format', 'json', '--output', out, '--no-color'], 1);
  const byFile = new Map<string, SecretlintMessage[]>();
  let results: { filePath: string; messages: SecretlintMessage[] }[] = [];
  try {
    results = JSON.parse(readFileSync(out, 'utf8')) as typeof results;
  } catch (error) {
    throw new Error(`secretlint produced no readable JSON report: ${(error as Error).message}`, { cause: error });
  }
  for (const result of results) byFile.set(result.filePath.slice(result.filePath.lastIndexOf('/') + 1), result.messages);
  return byFile;
}

export function runAccuracyBench(): AccuracyBenchResult {
  const samples = buildCorpus();
  const dir = `${WORK}accuracy/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const sample of samples) writeFileSync(`${dir}${sample.file}`, sample.text);
  process.stderr.write(`bench accuracy: ${samples.length} samples; running secretlint...\n`);
  const peer = runSecretlint(dir);
  const redactor = createRedactor({ registry: new SecretRegistry() });

  const perRule = new Map<string, RuleCounts>();
  const stats = (rule: string) => {
    let entry = perRule.get(rule);
    if (entry === undefined) perRule.set(rule, (entry = { positives: 0, negatives: 0, nearMisses: 0, ours: 0, theirs: 0, oursFp: 0, theirsFp: 0, oursNearFp: 0 }));
    return entry;
  };
  const falsePositiveRules: Record<string, number> = {};
  let hard = 0;
  let oursHard = 0;
  let theirsHard = 0;
  for (const sample of samples) {
    const ours: Finding[] = redactor.find(sample.text);
    const theirs = peer.get(sample.file) ?? [];
    if (sample.kind === 'positive' && sample.span !== undefined) {
      const entry = stats(sample.rule);
      entry.positives++;
      if (covers(ours.map((finding) => [finding.start, finding.end] as const), sample.span)) entry.ours++;
      if (covers(theirs.map((message) => message.range), sample.span)) entry.theirs++;
      continue;
    }
    if (sample.kind === 'near-miss') {
      // A look-alike of this rule's format (bad checksum, wrong length): only this rule must stay
      // quiet; another rule may rightly fire (a malformed token under API_KEY= is still masked).
      const entry = stats(sample.rule);
      entry.nearMisses++;
      if (ours.some((finding) => finding.ruleId === sample.rule)) entry.oursNearFp++;
      continue;
    }
    // A negative: any finding is a false positive, charged to the rule that made it.
    for (const finding of ours) falsePositiveRules[finding.ruleId] = (falsePositiveRules[finding.ruleId] ?? 0) + 1;
    if (sample.kind === 'hard-negative') {
      hard++;
      if (ours.length > 0) oursHard++;
      if (theirs.length > 0) theirsHard++;
    } else {
      const entry = stats(sample.rule);
      entry.negatives++;
      if (ours.length > 0) entry.oursFp++;
      if (theirs.length > 0) entry.theirsFp++;
    }
  }
  const rules: RuleAccuracy[] = [...perRule].map(([rule, entry]) => ({
    rule,
    positives: entry.positives,
    negatives: entry.negatives,
    bulwarkRecall: entry.positives === 0 ? 1 : entry.ours / entry.positives,
    bulwarkFalsePositives: entry.oursFp,
    nearMisses: entry.nearMisses,
    bulwarkNearMissFalsePositives: entry.oursNearFp,
    secretlintRecall: entry.positives === 0 ? 1 : entry.theirs / entry.positives,
    secretlintFalsePositives: entry.theirsFp,
  }));
  const sum = (pick: (entry: RuleCounts) => number): number => [...perRule.values()].reduce((total, entry) => total + pick(entry), 0);
  const positives = sum((entry) => entry.positives);
  return {
    rules,
    totals: {
      positives,
      negatives: sum((entry) => entry.negatives),
      nearMisses: sum((entry) => entry.nearMisses),
      bulwarkNearMissFalsePositives: sum((entry) => entry.oursNearFp),
      bulwarkRecall: sum((entry) => entry.ours) / positives,
      secretlintRecall: sum((entry) => entry.theirs) / positives,
      bulwarkFalsePositives: sum((entry) => entry.oursFp),
      secretlintFalsePositives: sum((entry) => entry.theirsFp),
      hardNegatives: hard,
      bulwarkHardFalsePositives: oursHard,
      secretlintHardFalsePositives: theirsHard,
    },
    falsePositiveRules,
  };
}

export function formatAccuracyBench(result: AccuracyBenchResult): string {
  const percent = (value: number): string => `${fixed(value * 100, 1)}%`;
  const t = result.totals;
  return [
    table([
      ['', 'samples', 'bulwark', 'secretlint 11.7.1 (recommended preset)'],
      ['recall (true positives masked)', t.positives, percent(t.bulwarkRecall), percent(t.secretlintRecall)],
      ['neutral negatives flagged (any rule)', t.negatives, t.bulwarkFalsePositives, t.secretlintFalsePositives],
      ['near misses flagged by their own rule', t.nearMisses, t.bulwarkNearMissFalsePositives, 'n/a (no rule mapping)'],
      ['hard negatives flagged', t.hardNegatives, t.bulwarkHardFalsePositives, t.secretlintHardFalsePositives],
    ]),
    '',
    'per rule: recall of bulwark and secretlint; false positives on neutral negatives (any rule) and near misses (own rule):',
    table([
      ['rule', 'pos', 'neg', 'near', 'bulwark', 'secretlint', 'bw FP', 'sl FP', 'bw near FP'],
      ...result.rules.map((rule) => [rule.rule, rule.positives, rule.negatives, rule.nearMisses, percent(rule.bulwarkRecall), percent(rule.secretlintRecall), rule.bulwarkFalsePositives, rule.secretlintFalsePositives, rule.bulwarkNearMissFalsePositives]),
    ]),
    '',
    `bulwark findings on any negative, by rule: ${JSON.stringify(result.falsePositiveRules)}`,
  ].join('\n');
}
