/**
 * Shannon entropy in bits per character: how unpredictable a string's characters are. Random
 * base62 of a few dozen characters scores about 5; words and placeholders ("changeme",
 * "xxxxxxxx") score well under 3.
 */

// Scratch counters for the ASCII fast path (candidates are almost always ASCII); reset after use.
const asciiCounts = new Int32Array(128);
const touched = new Uint8Array(128);

export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  let distinct = 0;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 128) {
      ascii = false;
      break;
    }
    if (asciiCounts[code] === 0) touched[distinct++] = code;
    asciiCounts[code] = (asciiCounts[code] ?? 0) + 1;
  }
  if (!ascii) {
    for (let i = 0; i < distinct; i++) asciiCounts[touched[i] ?? 0] = 0;
    return entropyOfCodePoints(s);
  }
  let bits = 0;
  const total = s.length;
  for (let i = 0; i < distinct; i++) {
    const code = touched[i] ?? 0;
    const p = (asciiCounts[code] ?? 0) / total;
    asciiCounts[code] = 0;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function entropyOfCodePoints(s: string): number {
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
