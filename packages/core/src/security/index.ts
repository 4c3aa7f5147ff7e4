/**
 * Security features of a node: private clusters (pre-shared key), a peer allowlist, per-service authorization.
 * See docs/security.md for the threat model and the bounds.
 */
export { generateClusterKey, writeClusterKey, resolveClusterKey, validateClusterKey, clusterKeyProtector, CLUSTER_KEY_BYTES, CLUSTER_KEY_HANDSHAKE_TIMEOUT_MS } from './cluster-key.js'
export { PeerAllowlist, allowlistGater } from './allowlist.js'
export { authorized, permissionDenied, restrictMethods } from './authorize.js'
export type { Authorize, AuthorizeRequest } from './authorize.js'
