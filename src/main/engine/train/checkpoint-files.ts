/** File names of a run folder's checkpoints (no tfjs import: main reads them to offer a resume). */
export const CHECKPOINT_FILE = 'checkpoint.bin';
export const PREVIOUS_CHECKPOINT_FILE = 'checkpoint.prev.bin';
