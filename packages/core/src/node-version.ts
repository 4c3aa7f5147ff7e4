/**
 * The Node.js version peercall runs on, checked before any dependency loads: libp2p 2.x calls
 * `Promise.withResolvers` (Node 22), and on an older Node it fails deep inside a dependency at the first dial.
 */

/** Oldest Node.js major that runs peercall (libp2p 2.x needs `Promise.withResolvers`, new in Node 22). */
export const MIN_NODE_MAJOR = 22

/** What is wrong with running on Node `version` (e.g. 'v20.20.2'), in a sentence that says what to do; undefined if nothing. */
export function nodeVersionProblem (version: string, execPath = '', min = MIN_NODE_MAJOR): string | undefined {
  const major = Number(/^v?(\d+)/.exec(version)?.[1])
  if (major >= min) return undefined
  return `peercall needs Node.js ${min} or later (libp2p 2.x calls Promise.withResolvers); this is Node ${version}${execPath !== '' ? ` (${execPath})` : ''}. ` +
    'In the peercall repository, or a project with the `node` package as a devDependency, run it through npm, which puts that Node first on the PATH: ' +
    '`npx node <file>`, `npx peercall ...`, `npm run ...`; elsewhere install Node 22 or later.'
}
