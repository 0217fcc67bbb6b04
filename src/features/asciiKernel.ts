/**
 * The featurizer's WebAssembly fast path (wasm/featurize.ts): the input rows of a text, with its
 * ASCII tokens (most tokens of most text) scanned, hashed and looked up in wasm, and only the
 * others scanned by the JavaScript tokenizer, one token at a time. Featurising runs at full speed
 * from the first text: the JavaScript scanner needs a few hundred milliseconds of work before V8
 * has optimised it, which is most of a short `accrete predict`.
 *
 * It covers the Accrete tokenizer with FNV-1a hashing and no char n-grams (kernelCovers());
 * asciiKernel.test.ts checks that it gives the rows the JavaScript featurizer gives.
 *
 * The module has its own memory: the class table, the vocabulary's words and hash slots (kept in
 * step with the Vocab: words added are indexed on the next call, a restore() rebuilds the index),
 * then room for one text and its rows.
 */
import { readFileSync } from 'node:fs';
import type { TextConfig } from '../config.js';
import type { ScanOne } from '../text/asciiToken.js';
import { CharClass, classOf } from '../text/charClass.js';
import { fnv1a32, fnv1a32Range } from '../text/hash.js';
import { EMAIL_TOKEN, URL_TOKEN } from '../text/links.js';
import { normalize } from '../text/normalize.js';
import type { TokenSink } from '../text/tokenize.js';
import type { IntBuffer } from '../util/intBuffer.js';
import { deleteEntry } from '../util/probeTable.js';
import type { Vocab } from '../vocab/vocab.js';
import type { FeatureSpec } from './featurizer.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  configure(
    classes: number,
    slots: number,
    slotCount: number,
    words: number,
    bucket: number,
    wordNgrams: number,
    flags: number,
    eosId: number,
    eosHash: number,
    urlId: number,
    urlHash: number,
    emailId: number,
    emailHash: number,
  ): void;
  indexWords(slots: number, slotCount: number, words: number, firstId: number, units: number, len: number): number;
  begin(start: number, len: number, rows: number, scratch: number): void;
  scan(from: number): number;
  prepare(start: number, len: number, lowercase: boolean): number;
  addToken(id: number, hash: number): void;
  finish(): number;
}

const PAGE = 65536;

/** prepare(): the text is plain ASCII, normalised in place. */
const PLAIN = 0;
/** configure() flags: the TextConfig options the kernel applies. */
const PUNCTUATION = 1;
const MASK_URLS = 2;

let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(new URL('../wasm/featurize.wasm', import.meta.url)));
  return compiled;
}

/** The kernel's classes of the ASCII characters (its SPACE ... PUNCT), from the tokenizer's own classifier. */
function classTable(): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const k = classOf(c);
    if (k === CharClass.Space) table[c] = 0;
    else if (k === CharClass.Letter) table[c] = 1;
    else if (k === CharClass.Digit) table[c] = 2;
    else if (k === CharClass.Joiner) table[c] = 3;
    else if (k === CharClass.NumberSeparator) table[c] = 4;
    else if (k === CharClass.Punct) table[c] = 5;
    else throw new Error(`asciiKernel: no kernel class for ASCII character ${c} (class ${k}); update wasm/featurize.ts`);
  }
  return table;
}

/** Whether the kernel computes the same rows as the JavaScript featurizer for this spec. */
export function kernelCovers(spec: FeatureSpec): boolean {
  return spec.maxn === 0 && !spec.cjkRuns && spec.hashing !== 'fasttext' && (spec.wordNgrams <= 1 || spec.bucket > 0);
}

const align = (n: number) => (n + 15) & ~15;

/** Where the tables sit in kernel memory, and how many words (and bytes of them) they have room for. */
interface Layout {
  slots: number;
  slotCount: number;
  wordCapacity: number;
  words: number;
  byteCapacity: number;
  /** Where the per-text area (text, hashes, rows) starts. */
  work: number;
}

export class AsciiKernel {
  private readonly k: KernelExports;
  private readonly classes: number;
  private layout: Layout | null = null;
  /** Words indexed so far, the bytes they take, and the vocabulary's generation they came from. */
  private indexed = 0;
  private usedBytes = 0;
  private generation = -1;
  /** The text flags the kernel was last configured with; -1 when it must be configured again. */
  private configured = -1;
  /** Set when the vocabulary cannot be indexed: every text then takes the JavaScript path. */
  private unusable = false;

  private view: Buffer;
  /** Hands the tokens JavaScript scans to the kernel. */
  private readonly sink: TokenSink;

  /**
   * `general` scans one token (that the kernel hands over) with every rule of the tokenizer; `eos`
   * is the end-of-text token the featurizer adds to every text.
   */
  constructor(
    private readonly vocab: Vocab,
    private readonly spec: FeatureSpec,
    private readonly bucket: number,
    private readonly eos: string,
    private readonly general: ScanOne,
  ) {
    this.k = new WebAssembly.Instance(kernelModule(), {}).exports as unknown as KernelExports;
    this.view = Buffer.from(this.k.memory.buffer);
    const k = this.k;
    this.sink = {
      slice(s, start, end, hash) {
        const h = hash >= 0 ? hash : fnv1a32Range(s, start, end);
        k.addToken(vocab.idOfRange(s, start, end, h), h);
      },
      token(t) {
        const h = fnv1a32(t);
        k.addToken(vocab.idOfHashed(t, h), h);
      },
    };
    this.classes = align(this.k.heapBase());
    this.ensure(this.classes + 128);
    new Uint8Array(this.k.memory.buffer, this.classes, 128).set(classTable());
  }

  /**
   * Appends the input rows of `text` to `out`, as Featurizer.featurizeText does with `cfg`, and
   * returns true; returns false, having appended nothing, when the vocabulary cannot be indexed.
   */
  featurize(text: string, cfg: TextConfig, out: IntBuffer): boolean {
    if (!this.sync(cfg)) return false;
    const k = this.k;
    let area = this.textArea(text.length);
    this.units().write(text, area.at, 2 * text.length, 'utf16le');
    // Plain ASCII (most texts) is normalised in place by the kernel; the rest here, and written again.
    let s = k.prepare(area.at, text.length, cfg.lowercase) === PLAIN ? null : normalize(text, cfg.lowercase);
    if (s !== null) {
      area = this.textArea(s.length);
      this.units().write(s, area.at, 2 * s.length, 'utf16le');
    }
    const n = s === null ? text.length : s.length;
    k.begin(area.at, n, area.rows, area.scratch);
    for (let i = k.scan(0); i < n; i = k.scan(i)) {
      // In a plain text only "#" and "*" come here (keycaps need more than ASCII); they have no case.
      s ??= normalize(text, cfg.lowercase);
      i = this.general(s, i, cfg, this.sink);
    }
    out.pushAll(new Int32Array(k.memory.buffer, area.rows, k.finish()));
    return true;
  }

  /** Where a text of `n` units, its n + 1 hashes and its rows go, with room made for them. */
  private textArea(n: number): { at: number; scratch: number; rows: number } {
    const at = this.layout!.work;
    const scratch = align(at + 2 * n);
    const rows = align(scratch + 4 * (n + 1));
    this.ensure(rows + 4 * (n + 1) * Math.max(1, this.spec.wordNgrams));
    return { at, scratch, rows };
  }

  /** A Buffer over the kernel's memory (made anew when growing the memory detached the last one). */
  private units(): Buffer {
    if (this.view.buffer !== this.k.memory.buffer) this.view = Buffer.from(this.k.memory.buffer);
    return this.view;
  }

  /**
   * Brings the word index up to the vocabulary and hands the kernel the settings; false when the
   * vocabulary cannot be indexed (a word with a line break, which no tokenizer makes).
   */
  private sync(cfg: TextConfig): boolean {
    if (this.unusable) return false;
    const vocab = this.vocab;
    if (this.generation !== vocab.generation) {
      // Words were removed (a rejected update): drop them from the index, or start over.
      const keep = Math.min(this.indexed, vocab.unchangedSince(this.generation));
      if (this.layout !== null && keep > 0) this.dropWordsFrom(keep);
      else this.layout = null;
      this.generation = vocab.generation;
      this.configured = -1;
    }
    if (this.layout === null || this.indexed < vocab.wordCount) {
      this.unusable = !this.indexNewWords();
      if (this.unusable) return false;
      this.configured = -1;
    }
    const flags = (cfg.punctuation ? PUNCTUATION : 0) | (cfg.maskUrls ? MASK_URLS : 0);
    if (flags !== this.configured) this.configure(flags);
    return true;
  }

  private configure(flags: number): void {
    const { vocab, layout } = this;
    const id = (word: string) => vocab.idOf(word);
    this.k.configure(this.classes, layout!.slots, layout!.slotCount, layout!.words, this.bucket, this.spec.wordNgrams, flags,
      id(this.eos), fnv1a32(this.eos), id(URL_TOKEN), fnv1a32(URL_TOKEN), id(EMAIL_TOKEN), fnv1a32(EMAIL_TOKEN));
    this.configured = flags;
  }

  /**
   * Removes the words with ids >= keep from the index (deleteEntry, as the Vocab's index does):
   * re-indexing the whole vocabulary instead took 4.3 ms of a ~60 ms piece of feedback on a
   * 57,000-word model. Their characters stay in the word area until the next layout.
   */
  private dropWordsFrom(keep: number): void {
    const { slots: at, slotCount } = this.layout!;
    const slots = new Int32Array(this.k.memory.buffer, at, 4 * slotCount);
    const dropped: [hash: number, id: number][] = [];
    for (let k = 0; k < slotCount; k++) if (slots[4 * k + 1] >= keep) dropped.push([slots[4 * k], slots[4 * k + 1]]);
    for (const [hash, id] of dropped) deleteEntry(slots, 4, hash, id);
    this.indexed = keep;
  }

  /** Indexes the words added since the last call, laying the tables out anew when they are full. */
  private indexNewWords(): boolean {
    const words = this.vocab.words;
    let fresh = words.slice(this.layout === null ? 0 : this.indexed).join('\n');
    if (this.layout === null || words.length > this.layout.wordCapacity || this.usedBytes + 2 * fresh.length + 2 > this.layout.byteCapacity) {
      if (this.layout !== null) fresh = words.join('\n');
      this.layout = this.plan(words.length, 2 * fresh.length);
      this.indexed = 0;
      this.usedBytes = 0;
    }
    const layout = this.layout;
    if (words.length === this.indexed) return true;
    const at = layout.words + this.usedBytes;
    this.units().write(fresh, at, 2 * fresh.length, 'utf16le');
    const read = this.k.indexWords(layout.slots, layout.slotCount, layout.words, this.indexed, at, fresh.length);
    if (read !== words.length - this.indexed) return false;
    this.indexed = words.length;
    this.usedBytes += 2 * fresh.length + 2;
    return true;
  }

  /**
   * Tables for `words` words of `bytes` bytes (UTF-16), with room to grow: the slots are at most
   * half full, and there are half as many bytes again.
   */
  private plan(words: number, bytes: number): Layout {
    let slotCount = 2048;
    while (slotCount < 2 * words) slotCount *= 2;
    const wordCapacity = slotCount / 2;
    const byteCapacity = Math.max(1 << 16, Math.ceil(bytes * 1.5) + 16);
    const slots = align(this.classes + 128);
    const wordsAt = align(slots + 16 * slotCount);
    const work = align(wordsAt + byteCapacity);
    this.ensure(work);
    new Int32Array(this.k.memory.buffer, slots, 4 * slotCount).fill(-1);
    return { slots, slotCount, wordCapacity, words: wordsAt, byteCapacity, work };
  }

  /** Grows the memory to at least `end` bytes. */
  private ensure(end: number): void {
    const memory = this.k.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
  }
}
