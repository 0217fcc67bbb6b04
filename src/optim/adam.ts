/**
 * Adam (Kingma & Ba 2015) with lazy moments: only rows an example touches have their moments
 * updated, as in TensorFlow's LazyAdam, so a step costs about what SGD's does on sparse embedding
 * rows. Bias correction uses the global step count. Moments live in the parameters' arena.
 */
import { Matrix } from '../model/matrix.js';
import type { Params } from '../model/params.js';
import type { Optimizer, Slot } from './optimizer.js';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export interface AdamState {
  step: number;
  /** First and second moments per tensor, in Slot order (absent tensors are null). */
  first: (Matrix | null)[];
  second: (Matrix | null)[];
}

export function adamSlots(p: Params): (Matrix | null)[] {
  return [p.input, p.hidden?.weight ?? null, p.hidden?.bias ?? null, p.output];
}

/** The slots' names, in adamSlots order: those of the parameters they follow. */
const SLOT_NAMES = ['input', 'hidden.weight', 'hidden.bias', 'output'];

/** The moments as named tensors (`first.input`, `second.output`, ...), as optimizer.safetensors and patches name them. */
export function adamTensors(state: AdamState): [string, Matrix][] {
  const list: [string, Matrix][] = [];
  state.first.forEach((m, i) => m && list.push([`first.${SLOT_NAMES[i]}`, m]));
  state.second.forEach((m, i) => m && list.push([`second.${SLOT_NAMES[i]}`, m]));
  return list;
}

export class Adam implements Optimizer {
  readonly name = 'adam' as const;
  private step: number;
  private readonly first: (Matrix | null)[];
  private readonly second: (Matrix | null)[];
  private rateScale = 1;

  constructor(p: Params, state: AdamState | null) {
    const zerosLike = (m: Matrix | null) => (m ? Matrix.zeros(m.rows, m.cols, p.arena, m.capacity - m.rows) : null);
    this.step = state?.step ?? 0;
    this.first = state?.first ?? adamSlots(p).map(zerosLike);
    this.second = state?.second ?? adamSlots(p).map(zerosLike);
    this.fit(p);
    this.updateRate();
  }

  stepRow(slot: Slot, m: Matrix, row: number, c: number, v: Float32Array, lr: number): void {
    const m1 = this.first[slot] as Matrix;
    const m2 = this.second[slot] as Matrix;
    m.arena.kernels.adamRow(m.rowPtr(row), m1.rowPtr(row), m2.rowPtr(row), v.byteOffset, m.cols, c, lr * this.rateScale, BETA1, BETA2, EPSILON);
  }

  tick(): void {
    this.step++;
    this.updateRate();
  }

  private updateRate(): void {
    const t = this.step + 1;
    this.rateScale = Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
  }

  /** Grows moments to match grown tensors (new rows start with zero moments). */
  fit(p: Params): void {
    adamSlots(p).forEach((m, i) => {
      for (const moments of [this.first, this.second]) {
        const current = moments[i];
        if (m && current && current.rows < m.rows) current.growRows(m.rows - current.rows);
        if (m && !current) moments[i] = Matrix.zeros(m.rows, m.cols, p.arena, m.capacity - m.rows);
      }
    });
  }

  state(): AdamState {
    return { step: this.step, first: this.first, second: this.second };
  }
}
