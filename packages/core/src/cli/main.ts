#!/usr/bin/env node
/**
 * The `peercall` command: `peercall node | call | members | top`, each with --help. Results go to stdout,
 * progress and errors to stderr; exit code 0 on success, 1 on failure, 2 on a usage error.
 */
import './engine.js' // first: an old Node.js is refused before any dependency loads
import { CALL_HELP, callCommand } from './call-command.js'
import { UsageError } from './common.js'
import { CLUSTER_KEY_HELP, ID_HELP, clusterKeyCommand, idCommand } from './keys-command.js'
import { MEMBERS_HELP, membersCommand } from './members-command.js'
import { NODE_HELP, nodeCommand } from './node-command.js'
import { TOP_HELP, topCommand } from './top-command.js'

export const HELP = [
  'usage: peercall <command> [options]',
  '',
  'commands:',
  '  node         start a peer that hosts services from modules (and optionally the dashboard and /metrics)',
  '  call         call Service.method on the cluster and print the result',
  '  members      list the cluster\'s members with state, incarnation, services and load',
  '  top          live load per peer, refreshed in place',
  '  cluster-key  write a new pre-shared key for a private cluster',
  '  id           print (and create) the peer id of an identity file, for allowlists',
  '',
  'peercall <command> --help shows the options of each command. Logs: DEBUG=peercall:* (docs/operations.md).'
].join('\n')

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>, help: string }> = {
  node: { run: nodeCommand, help: NODE_HELP },
  call: { run: callCommand, help: CALL_HELP },
  members: { run: membersCommand, help: MEMBERS_HELP },
  top: { run: topCommand, help: TOP_HELP },
  'cluster-key': { run: clusterKeyCommand, help: CLUSTER_KEY_HELP },
  id: { run: idCommand, help: ID_HELP }
}

export async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    process.stderr.write(HELP + '\n')
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS[rest[0] ?? ''] : undefined
    process.stdout.write((topic?.help ?? HELP) + '\n')
    return 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    process.stderr.write(`peercall: unknown command '${name}': the commands are ${Object.keys(COMMANDS).join(', ')} (peercall --help)\n`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`peercall ${name}: ${err.message} (peercall ${name} --help shows every option)\n`)
      return 2
    }
    process.stderr.write(`peercall ${name}: ${(err as Error).message}\n`)
    return 1
  }
}

const code = await main(process.argv.slice(2))
// libp2p may leave sockets closing for a moment: the answer is printed, so exit now
process.exitCode = code
setTimeout(() => { process.exit(code) }, 100).unref()
