/** Entry point of the `portico` command line. */
export async function runCli(_argv: readonly string[]): Promise<void> {}
