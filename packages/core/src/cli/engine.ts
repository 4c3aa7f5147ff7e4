/**
 * Imported first by the `peercall` command: on an old Node.js it prints one line saying what to do and exits 1,
 * before any dependency loads (see ../node-version.ts).
 */
import { nodeVersionProblem } from '../node-version.js'

const problem = nodeVersionProblem(process.version, process.execPath)
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`)
  process.exit(1)
}
