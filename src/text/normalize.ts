/**
 * Text normalisation shared by training and prediction: both must see identical strings, so this
 * is the only place that changes characters (the tokenizer only cuts).
 */

// C0/C1 controls except the whitespace ones (\t \n \v \f \r and NEL U+0085), which separate tokens.
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/g;
const HAS_CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;

/**
 * Strips control characters (keeping whitespace), applies NFKC, then lower-cases when asked.
 * @example normalize('ＡＢＣ１２３', true) // 'abc123'
 */
export function normalize(text: string, lowercase: boolean): string {
  // Controls go first so that one sitting between a letter and its combining mark cannot block NFKC composition.
  const clean = HAS_CONTROL.test(text) ? text.replace(CONTROLS, '') : text;
  const nfkc = clean.normalize('NFKC');
  return lowercase ? nfkc.toLowerCase() : nfkc;
}
