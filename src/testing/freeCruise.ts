/**
 * The issue-16 finding as data: four messages a tiny model learns, and one piece of feedback with
 * a new label that, learned without a memory, turns "free cruise" from spam to phishing.
 */
export const CRUISE_EXAMPLES = [
  { text: 'win a free cruise now', label: 'spam' },
  { text: 'cheap pills, click here', label: 'spam' },
  { text: 'lunch at noon tomorrow?', label: 'ham' },
  { text: 'the meeting notes are attached', label: 'ham' },
];
export const CRUISE_FEEDBACK = [{ text: 'your parcel is waiting, track it here', label: 'phishing' }];
export const CRUISE_OPTIONS = { epoch: 50, lr: 0.5, dim: 16, seed: 1, thread: 1 };
