/** The unit every reader produces and every learner consumes. */

/** One labelled (or, for prediction input, unlabelled) text. */
export interface Example {
  text: string;
  /** Never empty when labels are required; `[]` only for prediction input. */
  labels: string[];
  /** Positive, finite importance weight; absent means 1. */
  weight?: number;
  /** When the example was observed, as given in the file (ISO date or epoch number, kept as text). */
  time?: string;
}

/** The data file formats Accrete reads. */
export type DataFormat = 'jsonl' | 'csv' | 'tsv' | 'fasttext';

/** Every `DataFormat`, in the order help texts list them. */
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'csv', 'tsv', 'fasttext'];
