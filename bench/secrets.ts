/** Secrets in realistic contexts, one per supported rule, from the test generator (no literals in the repo). */
import { sampleRuleIds, samplesFor } from '../test/redact/fixtures/generate.js';

export function denseSecrets(): string[] {
  return sampleRuleIds().flatMap((id) => samplesFor(id).positives.map((positive) => positive.text));
}
