/**
 * A dense-table Aho-Corasick automaton over UTF-16 code units: one pass over the text finds every
 * occurrence of every pattern. It is the keyword prefilter of the redaction engine (as in gitleaks)
 * and the literal matcher for registered secret values.
 *
 * Characters are mapped to a small alphabet first (only the characters that occur in patterns get
 * their own class), so the transition table stays small enough to live in cache.
 */

export interface AhoCorasickOptions {
  /** Fold ASCII A-Z to a-z, and '-' to '_' when foldDash is set, before matching. */
  readonly caseFold: boolean;
  readonly foldDash?: boolean;
}

export interface Hit {
  /** Index of the pattern in the array given to the constructor. */
  readonly pattern: number;
  /** Offset one past the last character of the occurrence. */
  readonly end: number;
}

const ALPHABET = 0x10000;

export class AhoCorasick {
  readonly patterns: readonly string[];
  private readonly classOf: Uint16Array;
  private readonly classCount: number;
  /**
   * Transitions, indexed by `row + class` where row = state × classCount. Entries hold the next
   * state's row, bitwise-negated when that state ends a pattern, so the hot loop needs no
   * multiplication and one sign test to see a match.
   */
  private readonly rows: Int32Array;
  /** For each state, the patterns that end there (own and inherited through failure links). */
  private readonly outputs: (readonly number[] | undefined)[];
  private readonly terminal: Uint8Array;

  constructor(patterns: readonly string[], options: AhoCorasickOptions) {
    this.patterns = patterns;
    const fold = (code: number): number => {
      if (options.caseFold && code >= 65 && code <= 90) return code + 32;
      if (options.foldDash === true && code === 45) return 95;
      return code;
    };

    // Alphabet: class 0 is "any character no pattern uses".
    this.classOf = new Uint16Array(ALPHABET);
    let classCount = 1;
    for (const pattern of patterns) {
      for (let i = 0; i < pattern.length; i++) {
        const code = fold(pattern.charCodeAt(i));
        if (this.classOf[code] === 0) this.classOf[code] = classCount++;
      }
    }
    if (options.caseFold) {
      for (let code = 65; code <= 90; code++) this.classOf[code] = this.classOf[code + 32] ?? 0;
    }
    if (options.foldDash === true) this.classOf[45] = this.classOf[95] ?? 0;
    this.classCount = classCount;

    // Trie.
    const goto: Map<number, number>[] = [new Map<number, number>()];
    const own: number[][] = [[]];
    patterns.forEach((pattern, index) => {
      if (pattern.length === 0) throw new Error('Aho-Corasick patterns must not be empty');
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const cls = this.classOf[fold(pattern.charCodeAt(i))] ?? 0;
        const edges = goto[state] ?? new Map<number, number>();
        let next = edges.get(cls);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map<number, number>());
          own.push([]);
          edges.set(cls, next);
        }
        state = next;
      }
      own[state]?.push(index);
    });

    // Breadth-first: failure links folded into a complete transition table.
    const stateCount = goto.length;
    const delta = new Int32Array(stateCount * classCount);
    this.outputs = new Array<readonly number[] | undefined>(stateCount);
    this.terminal = new Uint8Array(stateCount);
    const fail = new Int32Array(stateCount);
    const queue: number[] = [];
    for (let cls = 0; cls < classCount; cls++) {
      const next = goto[0]?.get(cls);
      if (next !== undefined) {
        delta[cls] = next;
        fail[next] = 0;
        queue.push(next);
      }
    }
    this.setOutputs(0, own[0] ?? [], undefined);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] ?? 0;
      this.setOutputs(state, own[state] ?? [], this.outputs[fail[state] ?? 0]);
      const failState = fail[state] ?? 0;
      for (let cls = 0; cls < classCount; cls++) {
        const next = goto[state]?.get(cls);
        if (next !== undefined) {
          fail[next] = delta[failState * classCount + cls] ?? 0;
          delta[state * classCount + cls] = next;
          queue.push(next);
        } else {
          delta[state * classCount + cls] = delta[failState * classCount + cls] ?? 0;
        }
      }
    }
    this.rows = this.encodeRows(delta);
    this.scan = makeScanner(this.rows, this.classOf, this.outputs, this.classCount);
    this.test = makeTester(this.rows, this.classOf);
  }

  /** Calls onHit for every occurrence in text[from, to). */
  readonly scan: (text: string, onHit: (pattern: number, end: number) => void, from?: number, to?: number) => void;

  /** True when any pattern occurs in text. */
  readonly test: (text: string) => boolean;

  private encodeRows(delta: Int32Array): Int32Array {
    return delta.map((next) => (this.terminal[next] === 1 ? ~(next * this.classCount) : next * this.classCount));
  }

  private setOutputs(state: number, own: readonly number[], inherited: readonly number[] | undefined): void {
    const all = inherited === undefined ? own : [...own, ...inherited];
    if (all.length > 0) {
      this.outputs[state] = all;
      this.terminal[state] = 1;
    }
  }

  get stateCount(): number {
    return this.terminal.length;
  }
}

/*
 * The scan loops are built per automaton as closures over its tables: V8 then treats the tables as
 * constants of the optimized code, which measured ~1.4x faster than reading them from `this` or
 * from parameters (bench/README.md, "prefilter").
 */
function makeScanner(
  rows: Int32Array,
  classOf: Uint16Array,
  outputs: readonly (readonly number[] | undefined)[],
  classCount: number,
): (text: string, onHit: (pattern: number, end: number) => void, from?: number, to?: number) => void {
  return (text, onHit, from = 0, to = text.length) => {
    let row = 0;
    for (let i = from; i < to; i++) {
      const next = rows[row + (classOf[text.charCodeAt(i)] as number)] as number;
      if (next >= 0) {
        row = next;
        continue;
      }
      row = ~next;
      const out = outputs[row / classCount];
      if (out !== undefined) for (const pattern of out) onHit(pattern, i + 1);
    }
  };
}

function makeTester(rows: Int32Array, classOf: Uint16Array): (text: string) => boolean {
  return (text) => {
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      const next = rows[row + (classOf[text.charCodeAt(i)] as number)] as number;
      if (next < 0) return true;
      row = next;
    }
    return false;
  };
}
