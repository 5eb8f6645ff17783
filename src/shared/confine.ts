/**
 * A program the server runs on a tenant's files (npm installing a deployed API's dependencies), and how
 * the service's sandbox confines it: `portico serve` gives the control plane a {@link ConfineProgram}
 * (functions-host's sandbox), so the control plane needs no sandbox code of its own.
 */

/** What to run, and which of the server's folders it needs. */
export interface ProgramRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Folders it writes, visible at their own paths. */
  readonly writable: readonly string[];
  /** Files and folders it reads (its own program files), visible read-only at their own paths. */
  readonly readOnly: readonly string[];
}

/** A run ready to spawn. */
export interface ConfinedProgram {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Whether it runs confined (false: with the server's view of the machine). */
  readonly confined: boolean;
  /** Removes what the confinement made for the run; called once the program has exited. */
  cleanup(): Promise<void>;
}

/** Prepares a run inside the service's sandbox. */
export type ConfineProgram = (run: ProgramRun) => Promise<ConfinedProgram>;
