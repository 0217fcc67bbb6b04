#!/usr/bin/env node
// Words and sentences of a Markdown file's prose, counted one way everywhere: by
// `node scripts/prose.mjs README.md docs/cli.md` and by src/docsExamples.test.ts (the README's
// budget is 1,500 words, no sentence over 60 words).
//
// Prose is everything outside fenced code blocks and HTML comments: headings, paragraphs, list
// items and table cells, inline code included. A word is a run of non-space characters holding a
// letter or a digit (so table rules and lone punctuation do not count). A sentence ends at . ! or ?
// followed by a space, and at the end of a paragraph, a list item, a table cell or a heading.
import { readFileSync } from 'node:fs';

/** The prose of a Markdown text as blocks (paragraphs, list items, cells, headings), fences removed. */
export function proseBlocks(markdown) {
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, '').split('\n');
  const blocks = [];
  let current = [];
  let fence = null;
  const flush = () => {
    if (current.length) blocks.push(current.join(' '));
    current = [];
  };
  for (const line of lines) {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (open && open[1][0] === fence[0] && open[1].length >= fence.length && line.trim() === open[1]) fence = null;
      continue;
    }
    if (open) {
      flush();
      fence = open[1];
      continue;
    }
    const t = line.trim();
    if (t === '') flush();
    else if (t.startsWith('|')) {
      flush();
      for (const cell of t.split(/(?<!\\)\|/)) if (cell.trim()) blocks.push(cell.trim());
    } else if (/^(#{1,6}\s|[-*+]\s|\d+\.\s|>)/.test(t)) {
      flush();
      current.push(t.replace(/^(#{1,6}|[-*+]|\d+\.|>)\s*/, ''));
      if (t.startsWith('#')) flush();
    } else current.push(t);
  }
  flush();
  return blocks;
}

const isWord = (w) => /[\p{L}\p{N}]/u.test(w);
export const wordsOf = (text) => text.split(/\s+/).filter(isWord);

/** Word count and sentences (longest first) of a Markdown text's prose. */
export function prose(markdown) {
  const blocks = proseBlocks(markdown);
  const sentences = blocks.flatMap((b) => b.split(/(?<=[.!?])\s+/)).map((s) => ({ text: s, words: wordsOf(s).length }));
  return { words: sentences.reduce((n, s) => n + s.words, 0), sentences: sentences.sort((a, b) => b.words - a.words) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const { words, sentences } = prose(readFileSync(file, 'utf8'));
    const long = sentences.filter((s) => s.words > 60);
    console.log(`${file}: ${words} words of prose; longest sentence ${sentences[0]?.words ?? 0} words; ${long.length} over 60`);
    for (const s of long) console.log(`  ${s.words}: ${s.text.slice(0, 160)}...`);
  }
}
