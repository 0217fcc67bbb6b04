/**
 * The seed corpus: concrete inputs that once crashed or got through (issue 18), run as explicit
 * examples before the random ones. Every case the fuzzer finds is added here.
 */
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Data file contents, by format. */
export const DATA_SEEDS: Record<'jsonl' | 'csv' | 'tsv' | 'fasttext', string[]> = {
  jsonl: [
    `{"text":"a","label":${deep(4100)}}\n`,
    `${deep(100_000)}\n`,
    `{"text":${deep(20_000)},"label":"x"}\n`,
    '{"text":"a","label":"pos\\nneg"}\n',
    '{"text":"a","label":"\\u001b[31mred"}\n',
    '{"text":"a","label":"x\\u0000"}\n',
    '{"text":"a \\ud800","label":"x"}\n',
    '{"text":"a","labels":["x","y\\u2028"]}\n',
  ],
  csv: ['text,label\na,"pos\nneg"\n', 'text,label\na,\u001b[2J\n', 'text,labels\na,x|\u0085\n', '"text,label\n'],
  tsv: ['text\tlabel\na\tpos\u0000\n', 'text\tlabel\n"a\tb\n'],
  fasttext: ['__label__\u001b[31m a b\n', '__label__x\u2029y a\n', '__label__ a\n'],
};

/** Request bodies (raw text), by route, sent as they are. */
export const BODY_SEEDS: Record<string, string[]> = {
  '/v1/predict': [`{"text":"a","k":${deep(4100)}}`, `{"texts":${deep(100_000)}}`, '{"text":"a\\u0000b"}', '{"text":"\\ud800"}'],
  '/v1/feedback': [
    '{"text":"a","label":"pos\\nneg"}',
    '{"text":"a\\u0000","label":"x"}',
    '{"text":"\\udc00","label":"x"}',
    '{"text":"a","label":"\\u009b2J"}',
    `{"text":"a","label":"b","weight":${deep(4100)}}`,
  ],
  '/v1/update': ['{"replayRatio":1e9}', '{"rounds":1e9}', '{"patience":1e300}', '{"seed":1e300}', `{"rounds":${deep(4100)}}`],
  '/v1/models/rollback': [deep(4100), '[]', 'null'],
  '/v1/models/v1/activate': [deep(100_000), '{"x":1}'],
};
