/**
 * Turning a raw e-mail (RFC 822 headers, blank line, body) into the text a classifier sees.
 * Deliberately simple and deterministic:
 * 1. headers end at the first empty line; all of them are dropped except `Subject:` (unfolded);
 * 2. in the subject and the body, HTML comments, `<style>` and `<script>` blocks and all tags are removed, and the
 *    common entities (`&amp; &lt; &gt; &quot; &#39; &nbsp; &#NNN;`) are decoded;
 * 3. body lines of 60 or more characters without any whitespace are dropped: these are base64 or
 *    uuencoded attachments, which would otherwise be most of the tokens of some messages;
 * 4. every run of whitespace becomes one space; the result is `subject + ' ' + body`, trimmed.
 * MIME part headers inside multipart bodies are kept as text (they carry some signal, and parsing
 * MIME properly is out of scope).
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The unfolded value of the Subject header, or '' when there is none. */
export function subjectOf(headerLines: readonly string[]): string {
  for (let i = 0; i < headerLines.length; i++) {
    const m = /^subject:(.*)$/i.exec(headerLines[i]);
    if (m === null) continue;
    let value = m[1];
    // A folded header continues on the following lines that start with a space or a tab.
    for (let j = i + 1; j < headerLines.length && /^[ \t]/.test(headerLines[j]); j++) value += ' ' + headerLines[j];
    return value.trim();
  }
  return '';
}

/** Removes HTML markup and decodes the common entities. */
export function stripHtml(body: string): string {
  return body
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d{1,6}|[a-z]+);/gi, (whole, name: string) => decodeEntity(whole, name));
}

function decodeEntity(whole: string, name: string): string {
  if (name.startsWith('#')) {
    const code = Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
  }
  return ENTITIES[name.toLowerCase()] ?? whole;
}

/**
 * The classifier text of one raw e-mail (see the file comment for the rules).
 * @example mailToText('From: a@b\nSubject: Hi <b>you</b>\n\n<p>Cheap &amp; fast</p>') // 'Hi you Cheap & fast'
 */
export function mailToText(raw: string): string {
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.findIndex((line) => line.trim() === '');
  if (end < 0) end = lines.length;
  const subject = subjectOf(lines.slice(0, end));
  const body = lines
    .slice(end + 1)
    .filter((line) => !/^\S{60,}$/.test(line.trim()))
    .join('\n');
  return stripHtml(`${subject}\n${body}`).replace(/\s+/g, ' ').trim();
}
