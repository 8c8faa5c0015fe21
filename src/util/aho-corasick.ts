/**
 * Which of many texts occur in a string, found in one pass over it: Aho-Corasick's automaton, made
 * complete for the ASCII units the texts use (one table look-up per unit whatever the number of
 * texts), with other units' moves kept sparse and followed down the failure links (a rule set may
 * name hundreds of look-alike letters; a table column each would cost megabytes per field). For the
 * Sigma index (artifacts/evtx/sigma-index.ts): a record's field against the needed texts of every
 * rule at once, instead of a string search per rule.
 */
export class TextSet {
  /** Class of each ASCII unit in the texts (0: none of them, which leads back to the root). */
  private readonly ascii = new Uint8Array(128);
  private readonly classes: number;
  /** move[state * classes + class]: the next state on an ASCII unit (16-bit while the states fit: half the memory). */
  private readonly move: Uint16Array | Uint32Array;
  /** The trie's moves on other units: key state * 0x10000 + unit. */
  private readonly wide = new Map<number, number>();
  private readonly fail: Uint32Array;
  /** The text ending at a state (-1: none). */
  private readonly ends: Int32Array;
  /** The nearest state down a state's failure links at which a text ends (0: none; the root ends none). */
  private readonly nextEnd: Uint32Array;
  /** Per state, the call that reported its texts, so that each is reported once per call. */
  private readonly seen: Uint32Array;
  private call = 0;
  readonly states: number;

  /** `texts`: non-empty; a text given twice is found under its first index. */
  constructor(texts: readonly string[]) {
    let classes = 1;
    for (const t of texts) {
      if (t.length === 0) throw new Error('TextSet: empty text');
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c < 128 && this.ascii[c] === 0) this.ascii[c] = classes++;
      }
    }
    this.classes = classes;
    // The trie's ASCII edges first (key state * classes + class), so that the complete table is
    // allocated once at its size: sized by the texts' units it was four times larger, a transient
    // of tens of MB at a scan's peak (a SigmaHQ checkout's command-line texts: 48,000 units, 68 classes).
    const edges = new Map<number, number>();
    const endOf: number[] = [-1];
    // The trie's moves on other units from each state, for the breadth-first pass below.
    const wideOf = new Map<number, Array<[unit: number, child: number]>>();
    let states = 1;
    texts.forEach((t, index) => {
      let s = 0;
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c < 128) {
          const at = s * classes + this.ascii[c]!;
          let child = edges.get(at);
          if (child === undefined) {
            edges.set(at, (child = states++));
            endOf.push(-1);
          }
          s = child;
        } else {
          const key = s * 0x10000 + c;
          let child = this.wide.get(key);
          if (child === undefined) {
            this.wide.set(key, (child = states++));
            endOf.push(-1);
            const list = wideOf.get(s);
            if (list) list.push([c, child]);
            else wideOf.set(s, [[c, child]]);
          }
          s = child;
        }
      }
      if (endOf[s] === -1) endOf[s] = index;
    });
    const ends = Int32Array.from(endOf);
    // 16-bit moves while the states fit: half the memory.
    const move = states <= 0x10000 ? new Uint16Array(states * classes) : new Uint32Array(states * classes);
    for (const [at, child] of edges) move[at] = child;
    // Breadth first: a state's failure state is shallower, so its row is complete when the state's
    // own missing moves are copied from it.
    this.fail = new Uint32Array(states);
    const nextEnd = new Uint32Array(states);
    const queue = new Uint32Array(states);
    let head = 0;
    let tail = 0;
    for (let k = 1; k < classes; k++) if (move[k] !== 0) queue[tail++] = move[k]!;
    for (const [, child] of wideOf.get(0) ?? []) queue[tail++] = child;
    while (head < tail) {
      const s = queue[head++]!;
      const f = this.fail[s]!;
      nextEnd[s] = ends[f] !== -1 ? f : nextEnd[f]!;
      for (let k = 1; k < classes; k++) {
        const at = s * classes + k;
        const child = move[at]!;
        if (child === 0) move[at] = move[f * classes + k]!;
        else {
          this.fail[child] = move[f * classes + k]!;
          queue[tail++] = child;
        }
      }
      for (const [c, child] of wideOf.get(s) ?? []) {
        this.fail[child] = this.wideMove(f, c);
        queue[tail++] = child;
      }
    }
    this.move = move;
    this.ends = ends;
    this.nextEnd = nextEnd;
    this.seen = new Uint32Array(states);
    this.states = states;
  }

  /** The move from `s` on the non-ASCII unit `c`: the trie's, else its failure state's, down to the root. */
  private wideMove(s: number, c: number): number {
    for (;;) {
      const next = this.wide.get(s * 0x10000 + c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.fail[s]!;
    }
  }

  /** Pushes to `found` the index of every text `text` includes, each once. */
  find(text: string, found: number[]): void {
    if (++this.call === 0xffffffff) {
      this.seen.fill(0);
      this.call = 1;
    }
    const call = this.call;
    const { move, ends, nextEnd, seen, classes, ascii } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? move[s * classes + ascii[c]!]! : this.wideMove(s, c);
      // The texts ending here: this state's and those down its failure links (once a state was
      // reported in this call, so was the rest of its chain).
      for (let t = ends[s] !== -1 ? s : nextEnd[s]!; t !== 0 && seen[t] !== call; t = nextEnd[t]!) {
        seen[t] = call;
        found.push(ends[t]!);
      }
    }
  }
}
