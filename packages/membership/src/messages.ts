/** Messages of the SWIM + Lifeguard state machine (sans-I/O: the adapter or simulator carries them). */

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'

/** A member as one entry of a full state exchange. `data` is the opaque record payload (addresses, services...). */
export interface Entry {
  id: string
  state: MemberState
  inc: number
  ver: number
  data?: unknown
}

/** Point-to-point messages: probes and the full state exchange. */
export type DirectMessage =
  | { t: 'ping', seq: number, suspectInc?: number }
  | { t: 'ack', seq: number }
  | { t: 'ping-req', seq: number, target: string }
  | { t: 'nack', seq: number }
  | { t: 'sync', entries: Entry[], reply: boolean }

/**
 * Broadcast messages (gossipsub in the adapter). `alive` and `left` are believed only from the member itself;
 * `suspect` and `dead` only from the accuser they name.
 */
export type GossipMessage =
  | { t: 'alive', id: string, inc: number, ver: number, data?: unknown }
  | { t: 'left', id: string, inc: number }
  | { t: 'suspect', id: string, inc: number, from: string }
  | { t: 'dead', id: string, inc: number, from: string }

export type SwimEventType = 'join' | 'update' | 'suspect' | 'dead' | 'leave'

export interface SwimEvent {
  type: SwimEventType
  id: string
}
