/**
 * One small error hierarchy. Every error a user can meet carries a stable `code` (the HTTP layer and
 * the CLI map codes to statuses) and a message that says what was wrong and what to do about it.
 */
export type ErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_DATA'
  | 'BAD_MODEL_FILE'
  | 'MODEL_NOT_FOUND'
  | 'MISSING_DATASET'
  | 'DIVERGED'
  | 'UNKNOWN_LABEL'
  | 'USAGE'
  // The service's own events (src/serve maps every code to an HTTP status in one table).
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'TOO_LARGE'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  // The registry's or the model's storage failed (full, read-only, I/O error): try again later.
  | 'STORAGE'
  | 'OVERLOADED';

/** The base of every error Accrete throws on purpose: `code` says which kind (ErrorCode), the message what to do. */
export class AccreteError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration value is out of range or inconsistent; `issues` lists every problem found. */
export class ConfigError extends AccreteError {
  constructor(readonly issues: readonly string[]) {
    super('BAD_CONFIG', `invalid options:\n  - ${issues.join('\n  - ')}`);
  }
}

/** A data file has a line that cannot be read as an example. Names file and 1-based line. */
export class DataError extends AccreteError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super('BAD_DATA', `${file}:${line}: ${problem}`);
  }
}

/** A model directory is missing, corrupted, truncated, or written by a newer Accrete. */
export class ModelFileError extends AccreteError {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super('BAD_MODEL_FILE', `${path}: ${problem}`, options);
  }
}

/**
 * A model cannot be written as a fastText file: `option` names the setting fastText's model has no
 * place for (a config key such as 'bagNorm', or 'labels'/'words' for names its file cannot hold).
 */
export class ExportRefusedError extends AccreteError {
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super('BAD_CONFIG', `cannot export to fastText: ${reason}`);
  }
}

/** Training produced NaN or Inf; the model being trained must be discarded. */
export class DivergenceError extends AccreteError {
  constructor(where: string) {
    super('DIVERGED', `training diverged (NaN or Inf in ${where}); lower --lr or check the data`);
  }
}

/** The service has too much work queued to take this request now; retry after `retryAfter`. */
export class OverloadedError extends AccreteError {
  constructor(
    readonly retryAfter: number,
    message: string,
  ) {
    super('OVERLOADED', message);
  }
}

/** Wrong command-line usage; the CLI prints the message and the command's help. */
export class UsageError extends AccreteError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * An update's parent (decision.parent) was read after the model's next update had begun: the
 * values of its rows were the first update's undo journal, which the next one reuses.
 */
export class StaleParentError extends AccreteError {
  constructor() {
    super('USAGE', "an update's parent (decision.parent) was read after the model's next update began, which reused its row values; save or diff it (savePatch, diffModel) before updating again, or keep a copy of each tensor's values (values.slice())");
  }
}

/** What went wrong with storage: a full disk, a read-only file system, an I/O error, a database held too long by another process, or a database server that does not answer. */
export type StorageFaultKind = 'full' | 'read-only' | 'io' | 'busy' | 'unreachable';

/** Storage refused a write or a read; nothing was lost, and the same call can succeed once the fault clears. */
export class StorageError extends AccreteError {
  /** Seconds a client should wait before trying again. */
  readonly retryAfter = 10;
  constructor(
    readonly kind: StorageFaultKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('STORAGE', message, options);
  }
}

/**
 * Another process is writing a model directory (it holds the directory's write lock) and did not
 * finish within the wait. `owner` is null when the lock was stuck in the middle of a takeover.
 */
export class ModelLockedError extends AccreteError {
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly owner: { pid: number; host: string; what: string; since: string } | null,
    readonly waitedMs: number,
  ) {
    const who = owner ? `${owner.what} (pid ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}, since ${owner.since})` : 'another process';
    const waited = waitedMs > 0 ? `, still after waiting ${(waitedMs / 1000).toFixed(waitedMs < 10_000 ? 1 : 0)}s` : '';
    super(
      'CONFLICT',
      `${dir} is being written by ${who}${waited}; run again once it is done, or give --wait SECONDS to wait longer ` +
        `(a lock left by a process that died is taken over automatically; the lock file is ${lockFile})`,
    );
  }
}
