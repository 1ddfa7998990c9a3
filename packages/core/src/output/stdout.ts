/** Command output on stdout (data, not logs: logs go to stderr). */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}
