/**
 * All configuration in one typed, flat object (fastText's `Args`, camelCased), with visible
 * defaults. A model file stores its config, so loading never needs outside flags.
 */
import { ConfigError } from './errors.js';

/** The losses (src/model/loss/: one object each, made by createLoss). */
export const LOSSES = ['softmax', 'ova', 'hinge'] as const;
export type Loss = (typeof LOSSES)[number];
export type OptimizerName = 'sgd' | 'adam';
/** How text is cut into tokens: Accrete's Unicode tokenizer, or fastText's byte-exact whitespace split. */
export type TokenizerName = 'accrete' | 'fasttext';
/**
 * How the embedding bag weighs its rows: fastText's mean (sum / n), sum / sqrt(n), or the sum over
 * the L2 norm of the bag's row counts (a linear SVM's L2-normalised term-frequency row).
 */
export const BAG_NORMS = ['mean', 'sqrt', 'l2'] as const;
export type BagNorm = (typeof BAG_NORMS)[number];
/** How n-grams are hashed into buckets: FNV-1a (the spec), or fastText's signed-byte FNV with 64-bit word n-grams. */
export type HashingName = 'fnv1a' | 'fasttext';

/** How text becomes tokens. Stored in the model: prediction must tokenize exactly as training did. */
export interface TextConfig {
  /** Lower-case after NFKC normalisation. */
  lowercase: boolean;
  /** Keep runs of punctuation and symbols as tokens ("!!!", "$"); they carry signal for spam and sentiment. */
  punctuation: boolean;
  /** Replace URLs and e-mail addresses by the tokens `<url>` and `<email>`. */
  maskUrls: boolean;
  /**
   * 'fasttext': split on fastText's whitespace exactly as its Dictionary::readWord does, with no
   * normalisation (the three options above do not apply), and drop `__label__` tokens; models
   * imported from fastText use it. Absent means 'accrete'.
   */
  tokenizer?: TokenizerName;
  /**
   * Char n-grams of CJK text run across the segmenter's word boundaries within a run of CJK
   * characters, as fastText's do over a space-free run. Absent means false.
   */
  cjkRuns?: boolean;
}

/** The shape of the network and of its input features. */
export interface ModelConfig {
  dim: number;
  /** Width of the optional hidden layer (ReLU); 0 means none (fastText's architecture). */
  hidden: number;
  /** Dropout on the hidden layer's output during training. */
  dropout: number;
  loss: Loss;
  wordNgrams: number;
  minn: number;
  maxn: number;
  bucket: number;
  minCount: number;
  /** 'fasttext': bucket ids equal fastText's (see src/text/fasttext.ts). Absent means 'fnv1a'. */
  hashing?: HashingName;
  /** How the embedding bag weighs its rows (BAG_NORMS). Absent means 'mean' (fastText's). */
  bagNorm?: BagNorm;
}

export interface TrainConfig {
  lr: number;
  epoch: number;
  optimizer: OptimizerName;
  thread: number;
  seed: number;
  /** Epochs without validation improvement before stopping early (needs validation data); 0 = never stop early. */
  patience: number;
  /**
   * L2 regularisation, lazily: each step shrinks the rows it touches (the output rows, the
   * example's input rows) by (1 - lr x weightDecay), so updates stay sparse; 0 = none (fastText's).
   * Absent means 0.
   */
  weightDecay?: number;
}

export interface Config extends TextConfig, ModelConfig, TrainConfig {
  tokenizer: TokenizerName;
  hashing: HashingName;
  bagNorm: BagNorm;
  cjkRuns: boolean;
  weightDecay: number;
}

export const DEFAULTS: Readonly<Config> = Object.freeze({
  lowercase: true,
  punctuation: true,
  maskUrls: true,
  tokenizer: 'accrete',
  dim: 100,
  hidden: 0,
  dropout: 0,
  loss: 'softmax',
  wordNgrams: 1,
  minn: 0,
  maxn: 0,
  bucket: 2_000_000,
  minCount: 1,
  hashing: 'fnv1a',
  bagNorm: 'mean',
  cjkRuns: false,
  lr: 0.1,
  epoch: 5,
  optimizer: 'sgd',
  thread: 1,
  seed: 0,
  patience: 0,
  weightDecay: 0,
});

/** Every problem with a config, as readable strings; empty when the config is valid. */
export function configIssues(cfg: Config): string[] {
  const issues: string[] = [];
  const intAtLeast = (key: keyof Config, min: number) => {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) issues.push(`${key} must be an integer >= ${min} (got ${String(v)})`);
  };
  intAtLeast('dim', 1);
  intAtLeast('hidden', 0);
  intAtLeast('wordNgrams', 1);
  intAtLeast('minn', 0);
  intAtLeast('maxn', 0);
  intAtLeast('bucket', 0);
  intAtLeast('minCount', 1);
  intAtLeast('epoch', 1);
  intAtLeast('thread', 1);
  intAtLeast('seed', 0);
  intAtLeast('patience', 0);
  if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) issues.push(`lr must be a positive number (got ${cfg.lr})`);
  if (!(cfg.weightDecay >= 0 && cfg.weightDecay < 1)) issues.push(`weightDecay must be in [0, 1) (got ${cfg.weightDecay})`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) issues.push(`dropout must be in [0, 1) (got ${cfg.dropout})`);
  if (cfg.dropout > 0 && cfg.hidden === 0) issues.push('dropout needs a hidden layer (--hidden N)');
  if (!(LOSSES as readonly unknown[]).includes(cfg.loss)) issues.push(`loss must be one of ${LOSSES.join(', ')} (got ${String(cfg.loss)})`);
  if (cfg.tokenizer !== 'accrete' && cfg.tokenizer !== 'fasttext') issues.push(`tokenizer must be one of accrete, fasttext (got ${String(cfg.tokenizer)})`);
  if (cfg.hashing !== 'fnv1a' && cfg.hashing !== 'fasttext') issues.push(`hashing must be one of fnv1a, fasttext (got ${String(cfg.hashing)})`);
  if (!(BAG_NORMS as readonly unknown[]).includes(cfg.bagNorm)) issues.push(`bagNorm must be one of ${BAG_NORMS.join(', ')} (got ${String(cfg.bagNorm)})`);
  if (typeof cfg.cjkRuns !== 'boolean') issues.push(`cjkRuns must be true or false (got ${String(cfg.cjkRuns)})`);
  if (cfg.optimizer !== 'sgd' && cfg.optimizer !== 'adam') issues.push(`optimizer must be one of sgd, adam (got ${String(cfg.optimizer)})`);
  if (cfg.maxn > 0 && cfg.minn > cfg.maxn) issues.push(`minn (${cfg.minn}) must not exceed maxn (${cfg.maxn})`);
  if (cfg.maxn > 0 && cfg.minn === 0) issues.push('char n-grams need minn >= 1 when maxn > 0');
  const needsBuckets = cfg.wordNgrams > 1 || cfg.maxn > 0;
  if (needsBuckets && cfg.bucket === 0) issues.push('wordNgrams > 1 or maxn > 0 need bucket > 0');
  return issues;
}

/** Merges options over the defaults and validates once, at the boundary. */
export function resolveConfig(options: Partial<Config> = {}): Config {
  const cfg: Config = { ...DEFAULTS, ...options };
  const issues = configIssues(cfg);
  if (issues.length > 0) throw new ConfigError(issues);
  return cfg;
}
