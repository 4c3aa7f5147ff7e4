/**
 * The service and method every RPC target serves: `Echo.echo(payload)` returns its argument. Apart from wire.ts
 * so that a peercall process of the benchmarks (the memory measurements' peers above all) need not load
 * `@peercall/core/internal`, which loads the metrics and the dashboard that a plain peer does not.
 */
export const ECHO_SERVICE = 'Echo'
export const ECHO_METHOD = 'echo'
