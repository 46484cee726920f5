/**
 * Shannon entropy in bits per character: how unpredictable a string's characters are. Random
 * base62 of a few dozen characters scores about 5; words and placeholders ("changeme",
 * "xxxxxxxx") score well under 3.
 */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  let total = 0;
  for (const ch of s) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    total++;
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}
