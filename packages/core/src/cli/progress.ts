/**
 * Progress of long operations on stderr (stdout stays for results): one line rewritten in place on a terminal,
 * plain lines otherwise, nothing with --quiet.
 */
export class Progress {
  private readonly tty: boolean
  private readonly quiet: boolean
  private last = ''
  private readonly started = performance.now()

  constructor (options: { quiet?: boolean, stream?: NodeJS.WriteStream } = {}) {
    this.quiet = options.quiet === true
    this.tty = (options.stream ?? process.stderr).isTTY === true
  }

  /** Shows `text` as the current step (repeated texts are not printed twice). */
  update (text: string): void {
    if (this.quiet || text === this.last) return
    this.last = text
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(1)
    if (this.tty) process.stderr.write(`\r\x1b[2K${text} (${elapsed} s)`)
    else process.stderr.write(`${text} (${elapsed} s)\n`)
  }

  /** Ends the progress line. */
  done (text?: string): void {
    if (this.quiet) return
    if (this.tty) process.stderr.write('\r\x1b[2K')
    if (text !== undefined) process.stderr.write(text + '\n')
    this.last = ''
  }
}
