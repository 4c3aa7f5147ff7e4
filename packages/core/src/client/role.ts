/**
 * Short-lived clients (a `peercall call`, a script): a peer that hosts nothing says so in its record's meta
 * (`role: client`, set with `createNode({ membership: { meta: CLIENT_META } })`), and once it has left the others
 * drop it from their views at once instead of listing it as `left` until its tombstone expires (5 min): a tool
 * run every few seconds would otherwise fill every view, `top` and the dashboard with departed clients.
 * Membership keeps the tombstone internally (so stale gossip cannot revive it); only what is shown changes.
 */

/** Meta key and value that mark a peer as a client that hosts nothing. */
export const ROLE_META_KEY = 'role'
export const CLIENT_ROLE = 'client'
export const CLIENT_META: Readonly<Record<string, string>> = Object.freeze({ [ROLE_META_KEY]: CLIENT_ROLE })

/** Whether `m` is a client that has left (or died): such members are left out of `members()`. */
export function departedClient (m: { state: string, meta?: Readonly<Record<string, string>> }): boolean {
  return (m.state === 'left' || m.state === 'dead') && m.meta?.[ROLE_META_KEY] === CLIENT_ROLE
}
