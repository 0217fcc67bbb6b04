/**
 * Text made safe to print on a terminal: control characters (C0 such as newline, NUL and the ESC
 * of ANSI escapes; DEL; C1), the Unicode line separators and lone surrogates are shown as \uXXXX
 * escapes, so a label read from an old model file cannot break a table or drive the terminal.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udfff]/gu;

/** `s` with every unprintable character written as a `\uXXXX` escape (and `\` itself left alone). */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
