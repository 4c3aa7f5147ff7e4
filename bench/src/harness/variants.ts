/**
 * Node-flag variants given on the command line: `--variant 'name=--flag ENV=value ...'` (repeatable). A variant is
 * the Node flags of the processes it runs, with environment variables among them as `NAME=value`.
 */

/** The `--variant` arguments of `argv`, by name, in order. */
export function variantArgs (argv: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  argv.forEach((a, i) => {
    if (a !== '--variant') return
    const spec = argv[i + 1] ?? ''
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new Error(`--variant takes name=flags, got '${spec}'`)
    out[spec.slice(0, eq)] = spec.slice(eq + 1).split(' ').filter((f) => f !== '')
  })
  return out
}

/** A variant's Node flags and its environment (its `NAME=value` entries). */
export function splitVariant (variant: readonly string[]): { flags: string[], env: Record<string, string> } {
  const env: Record<string, string> = {}
  const flags: string[] = []
  for (const f of variant) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(f)
    if (m !== null) env[m[1]] = m[2]; else flags.push(f)
  }
  return { flags, env }
}
