// The featurizer's fast path for the ASCII parts of a text, compiled to WebAssembly
// (AssemblyScript): the input rows src/features/featurizer.ts featurizeText() computes, without a
// JavaScript string per token and at full speed from the first text (V8 needs a few hundred
// milliseconds of work before the JavaScript scanner runs fast, which is most of a short predict).
//
// The text is the normalised string's UTF-16 code units. scan() works through it as
// src/text/asciiToken.ts scanText() does and stops where a token needs a non-ASCII rule (or "#"
// or "*", which may start a keycap): JavaScript scans that one token with the general scanner,
// hands it over with addToken(), and calls scan() again after it. So this is a second copy of the
// ASCII rules (asciiToken.ts, links.ts) and of the featurizer's row order;
// src/features/asciiKernel.test.ts checks that both give the same rows on many texts under every
// configuration. Memory is this module's own; src/features/asciiKernel.ts lays it out.

// Classes of the ASCII characters, as src/features/asciiKernel.ts maps them from charClass.ts
// (5 is punctuation and symbols).
const SPACE: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const JOINER: u8 = 3;
const NUMBER_SEPARATOR: u8 = 4;

const FNV_OFFSET: u32 = 2166136261;
const FNV_PRIME: u32 = 16777619;
const NGRAM_MULTIPLIER: u32 = 116049371;

const PUNCTUATION: i32 = 1;
const MASK_URLS: i32 = 2;

/** What the scanners return when the token needs JavaScript. */
const HANDOVER: i32 = -1;

// Set by configure(): where the tables are and how to featurise.
let classes: usize = 0;
let slots: usize = 0;
let slotMask: u32 = 0;
let wordUnits: usize = 0;
let bucket: u32 = 0;
let wordNgrams: i32 = 1;
let flags: i32 = 0;
let eosId: i32 = -1;
let eosHash: u32 = 0;
let urlId: i32 = -1;
let urlHash: u32 = 0;
let emailId: i32 = -1;
let emailHash: u32 = 0;

// Set by begin(): the text, the token hashes (for word n-grams) and the output rows.
let text: usize = 0;
let n: i32 = 0;
let hashes: usize = 0;
let hashCount: i32 = 0;
let out: usize = 0;
let outCount: i32 = 0;

/** Where the module's static data ends: memory from here on is the caller's to lay out. */
export function heapBase(): usize {
  return __heap_base;
}

export function configure(
  classTable: usize,
  slotTable: usize,
  slotCount: u32,
  words: usize,
  buckets: u32,
  ngrams: i32,
  textFlags: i32,
  eos: i32,
  eosH: u32,
  url: i32,
  urlH: u32,
  email: i32,
  emailH: u32,
): void {
  classes = classTable;
  slots = slotTable;
  slotMask = slotCount - 1;
  wordUnits = words;
  bucket = buckets;
  wordNgrams = ngrams;
  flags = textFlags;
  eosId = eos;
  eosHash = eosH;
  urlId = url;
  urlHash = urlH;
  emailId = email;
  emailHash = emailH;
}

// ---- the vocabulary: open addressing on FNV-1a; a slot is (hash, id, byte offset, length), id -1 = empty ----

/**
 * Indexes the words `firstId`, `firstId` + 1, ... whose UTF-16 units are at `units` (inside the
 * words area at `words`), `len` units, one word per line ("\n"-separated, none after the last). A
 * word with a unit >= 0x80 gets no slot: no ASCII token can equal it. The slot table (`slotCount`
 * slots at `slotTable`, a power of two, empty ones with id -1) must have room. Returns the number
 * of words read.
 */
export function indexWords(slotTable: usize, slotCount: u32, words: usize, firstId: i32, units: usize, len: i32): i32 {
  slots = slotTable;
  slotMask = slotCount - 1;
  wordUnits = words;
  let id = firstId;
  let start: i32 = 0;
  for (let i: i32 = 0; i <= len; i++) {
    if (i < len && load<u16>(units + (<usize>i << 1)) != 0x0a) continue;
    let ascii = true;
    let h = FNV_OFFSET;
    for (let q = start; q < i; q++) {
      const c = <u32>load<u16>(units + (<usize>q << 1));
      if (c >= 0x80) ascii = false;
      h = (h ^ c) * FNV_PRIME;
    }
    if (ascii) {
      let k = h & slotMask;
      while (load<i32>(slots + (<usize>k << 4), 4) >= 0) k = (k + 1) & slotMask;
      const slot = slots + (<usize>k << 4);
      store<u32>(slot, h, 0);
      store<i32>(slot, id, 4);
      store<i32>(slot, <i32>(units - wordUnits) + (start << 1), 8);
      store<i32>(slot, i - start, 12);
    }
    id++;
    start = i + 1;
  }
  return id - firstId;
}

/** Whether the `bytes` bytes at a and b are equal: 8 at a time (unaligned loads are fine in wasm). */
function sameUnits(a: usize, b: usize, bytes: usize): bool {
  let k: usize = 0;
  for (; k + 8 <= bytes; k += 8) if (load<u64>(a + k) != load<u64>(b + k)) return false;
  for (; k < bytes; k += 2) if (load<u16>(a + k) != load<u16>(b + k)) return false;
  return true;
}

/** The id of the word text[from, to) (ASCII units) with hash h, or -1. */
function find(from: i32, to: i32, h: u32): i32 {
  const len = to - from;
  const units = text + (<usize>from << 1);
  let i = h & slotMask;
  let slot = slots + (<usize>i << 4);
  let id = load<i32>(slot, 4);
  while (id >= 0) {
    if (load<u32>(slot) == h && load<i32>(slot, 12) == len && sameUnits(wordUnits + <usize>load<i32>(slot, 8), units, <usize>len << 1)) return id;
    i = (i + 1) & slotMask;
    slot = slots + (<usize>i << 4);
    id = load<i32>(slot, 4);
  }
  return -1;
}

// ---- rows, as Featurizer.addToken and finish do ----

function pushRow(row: u32): void {
  store<u32>(out + (<usize>outCount << 2), row);
  outCount++;
}

/** A token's rows: its word row when it is in the vocabulary (id >= 0), and its hash for the word n-grams. */
export function addToken(id: i32, h: u32): void {
  if (id >= 0) pushRow(bucket + <u32>id);
  if (wordNgrams > 1) {
    store<u32>(hashes + (<usize>hashCount << 2), h);
    hashCount++;
  }
}

function emitRange(from: i32, to: i32, h: u32): void {
  addToken(find(from, to, h), h);
}

function emitRangeHashing(from: i32, to: i32): void {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = (h ^ unit(i)) * FNV_PRIME;
  emitRange(from, to, h);
}

/** Ends the text: the end-of-text row, then the word n-grams over every token. Returns the number of rows. */
export function finish(): i32 {
  if (eosId >= 0) pushRow(bucket + <u32>eosId);
  if (wordNgrams > 1) {
    store<u32>(hashes + (<usize>hashCount << 2), eosHash);
    hashCount++;
    for (let i = 0; i < hashCount; i++) {
      let h = load<u32>(hashes + (<usize>i << 2));
      for (let j = i + 1; j < hashCount && j < i + wordNgrams; j++) {
        h = h * NGRAM_MULTIPLIER + load<u32>(hashes + (<usize>j << 2));
        pushRow(h % bucket);
      }
    }
  }
  return outCount;
}

// ---- the scanner (asciiToken.ts, links.ts) ----

@inline function unit(i: i32): u32 {
  return <u32>load<u16>(text + (<usize>i << 1));
}

/** The class of ASCII unit c (c < 0x80). */
@inline function classOf(c: u32): u8 {
  return load<u8>(classes + <usize>c);
}

function hasPrefix(i: i32, prefix: string): bool {
  const len = prefix.length;
  if (i + len > n) return false;
  for (let k = 0; k < len; k++) {
    const c = unit(i + k);
    const want = <u32>prefix.charCodeAt(k);
    if (c != want && !(want >= 0x61 && want <= 0x7a && c == want - 0x20)) return false;
  }
  return true;
}

function isTrailing(c: u32): bool {
  return c == 0x2e || c == 0x2c || c == 0x3b || c == 0x3a || c == 0x21 || c == 0x3f || c == 0x27 || c == 0x29 || c == 0x5d;
}

/** links.ts urlEnd: end of the URL at i, 0 when there is none, HANDOVER when a non-ASCII character could be part of it. */
function urlEnd(i: i32): i32 {
  let head = 0;
  if (hasPrefix(i, 'http://')) head = 7;
  else if (hasPrefix(i, 'https://')) head = 8;
  else if (hasPrefix(i, 'www.')) head = 4;
  else return 0;
  const start = i + head;
  let j = start;
  for (; j < n; j++) {
    const c = unit(j);
    if (c >= 0x80) return HANDOVER;
    // RFC 3986 never allows these unescaped, and they often delimit a URL in text.
    if (c <= 0x20 || c == 0x7f || c == 0x22 || c == 0x3c || c == 0x3e || c == 0x5c || c == 0x5e || c == 0x60 || c == 0x7b || c == 0x7c || c == 0x7d) break;
  }
  // Sentence punctuation comes off the end, but a ")" that closes a "(" inside stays.
  let end = j;
  while (end > start && isTrailing(unit(end - 1))) {
    if (unit(end - 1) == 0x29) {
      let open = 0;
      let close = 0;
      for (let q = start; q < end; q++) {
        const c = unit(q);
        if (c == 0x28) open++;
        else if (c == 0x29) close++;
      }
      if (open >= close) break;
    }
    end--;
  }
  return end > start ? end : 0;
}

function isLocalExtra(c: u32): bool {
  return c == 0x2e || c == 0x5f || c == 0x2b || c == 0x2d || c == 0x25;
}

/** links.ts runEnd: end of a run of letters, digits and (local part or label) extras from j; HANDOVER at a non-ASCII unit. */
function runEnd(j: i32, local: bool): i32 {
  for (; j < n; j++) {
    const c = unit(j);
    if (c >= 0x80) return HANDOVER;
    const k = classOf(c);
    if (!(k == LETTER || k == DIGIT || (local ? isLocalExtra(c) : c == 0x2d))) break;
  }
  return j;
}

/** links.ts emailEnd: end of the address at i, 0 when there is none, or HANDOVER. */
function emailEnd(i: i32): i32 {
  const atSign = runEnd(i, true);
  if (atSign == HANDOVER) return HANDOVER;
  if (atSign == i || atSign >= n || unit(atSign) != 0x40) return 0;
  let j = atSign + 1;
  let labels = 0;
  let lastStart = j;
  for (;;) {
    const end = runEnd(j, false);
    if (end == HANDOVER) return HANDOVER;
    if (end == j) return 0;
    labels++;
    lastStart = j;
    j = end;
    if (j + 1 >= n || unit(j) != 0x2e) break;
    const next = unit(j + 1);
    if (next >= 0x80) return HANDOVER;
    if (classOf(next) != LETTER && classOf(next) != DIGIT) break;
    j++;
  }
  return labels >= 2 && j - lastStart >= 2 ? j : 0;
}

/** asciiToken.ts scanWord: the URL, e-mail address or word at i; returns its end, or HANDOVER. */
function scanWord(i: i32): i32 {
  const lower = unit(i) | 0x20;
  if (lower == 0x68 || lower == 0x77) {
    const e = urlEnd(i);
    if (e == HANDOVER) return HANDOVER;
    if (e > 0) {
      if (flags & MASK_URLS) addToken(urlId, urlHash);
      else emitRangeHashing(i, e);
      return e;
    }
  }
  let h = FNV_OFFSET;
  let prevDigit = false;
  let j = i;
  for (; j < n; j++) {
    const c = unit(j);
    if (c >= 0x80) return HANDOVER;
    const k = classOf(c);
    if (k == LETTER) prevDigit = false;
    else if (k == DIGIT) prevDigit = true;
    else if (k == JOINER || k == NUMBER_SEPARATOR) {
      // An apostrophe or hyphen between two word characters, "." or "," between two digits.
      if (j + 1 >= n) break;
      const d = unit(j + 1);
      if (d >= 0x80) return HANDOVER;
      const kd = classOf(d);
      if (k == JOINER ? kd != LETTER && kd != DIGIT : !prevDigit || kd != DIGIT) break;
    } else break;
    h = (h ^ c) * FNV_PRIME;
  }
  if (j < n) {
    const c = unit(j);
    // What may follow the local part of an e-mail address.
    if (c == 0x40 || c == 0x2e || c == 0x5f || c == 0x2b || c == 0x2d || c == 0x25) {
      const e = emailEnd(i);
      if (e == HANDOVER) return HANDOVER;
      if (e > 0) {
        if (flags & MASK_URLS) addToken(emailId, emailHash);
        else emitRangeHashing(i, e);
        return e;
      }
    }
  }
  emitRange(i, j, h);
  return j;
}

/** What prepare() found in a text. */
const PLAIN: i32 = 0;
const NOT_PLAIN: i32 = 1;

/**
 * Whether the `len` UTF-16 units at `start` are plain ASCII, with no control character other than
 * whitespace: then normalize() would only lower-case them (NFKC leaves ASCII as it is), which this
 * does in place when `lowercase`, and returns PLAIN. Otherwise returns NOT_PLAIN, and the caller
 * normalises the text in JavaScript.
 */
export function prepare(start: usize, len: i32, lowercase: bool): i32 {
  const end = start + (<usize>len << 1);
  for (let p = start; p < end; p += 2) {
    const c = <u32>load<u16>(p);
    if (c >= 0x7f || (c < 0x20 && (c < 0x09 || c > 0x0d))) return NOT_PLAIN;
  }
  if (lowercase) {
    for (let p = start; p < end; p += 2) {
      const c = <u32>load<u16>(p);
      if (c >= 0x41 && c <= 0x5a) store<u16>(p, <u16>(c | 0x20));
    }
  }
  return PLAIN;
}

/**
 * Starts a text: `len` UTF-16 units of normalised text at `start`, rows to `rows` (room for
 * (len + 1) * wordNgrams), hashes to `scratch` (room for len + 1).
 */
export function begin(start: usize, len: i32, rows: usize, scratch: usize): void {
  text = start;
  n = len;
  hashes = scratch;
  hashCount = 0;
  out = rows;
  outCount = 0;
}

/**
 * Scans the text from unit `i` on; returns where a token starts that JavaScript must scan (a
 * non-ASCII rule, or "#" or "*", which may start a keycap), or the text's length when done.
 */
export function scan(i: i32): i32 {
  const punctuation = (flags & PUNCTUATION) != 0;
  while (i < n) {
    const c = unit(i);
    if (c >= 0x80 || c == 0x23 || c == 0x2a) return i;
    const k = classOf(c);
    if (k == SPACE) {
      i++;
    } else if (k == LETTER || k == DIGIT) {
      const end = scanWord(i);
      if (end == HANDOVER) return i;
      i = end;
    } else {
      // Punctuation and symbols, and "'", "-", ".", "," outside words: a run of one character.
      let h = (FNV_OFFSET ^ c) * FNV_PRIME;
      let j = i + 1;
      for (; j < n && unit(j) == c; j++) h = (h ^ c) * FNV_PRIME;
      if (punctuation) emitRange(i, j, h);
      i = j;
    }
  }
  return n;
}
