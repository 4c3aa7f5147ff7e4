/**
 * Imported first by the package's entry point: refuses an old Node.js with a clear error before any dependency
 * loads (see node-version.ts).
 */
import { nodeVersionProblem } from './node-version.js'

const problem = nodeVersionProblem(process.version, process.execPath)
if (problem !== undefined) throw new Error(problem)
