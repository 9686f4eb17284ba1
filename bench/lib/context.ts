// What every benchmark gets from bench/run.ts.
export interface BenchContext {
  /** The repository root. */
  repo: string;
  /** The compiled copy of src/ and bench/child/ (see ./build.ts). */
  build: string;
  /** bench/out: generated sites, states, results (git-ignored). */
  out: string;
  /** Smaller sizes, fewer repetitions. */
  quick: boolean;
  /** Cores of this machine: the "N" of N workers. */
  cores: number;
  /** Progress lines, as the run goes. */
  log: (line: string) => void;
}
