/**
 * The order a list ends in when its items are inserted one by one, each at a given offset (`list.splice(offset, 0,
 * item)` with 0 <= offsets[k] <= k), computed in O(n log n) instead of the O(n^2) of the splices. The last item
 * inserted takes its offset among all slots; each earlier one takes its offset among the slots the later ones left
 * free (later inserts never change the order of earlier items). A Fenwick tree counts the free slots.
 */
export function orderOfRandomInserts<T> (items: readonly T[], offsets: readonly number[]): T[] {
  const n = items.length
  if (offsets.length !== n) throw new Error('one offset per item')
  // Fenwick tree over slots 1..n, each free (1) at first
  const tree = new Int32Array(n + 1)
  for (let i = 1; i <= n; i++) {
    tree[i] += 1
    const j = i + (i & -i)
    if (j <= n) tree[j] += tree[i]
  }
  let top = 1
  while (top * 2 <= n) top *= 2
  const out = new Array<T>(n)
  for (let k = n - 1; k >= 0; k--) {
    const rank = offsets[k]
    if (!(rank >= 0 && rank <= k)) throw new Error(`offset ${rank} of item ${k} is outside 0..${k}`)
    // the slot holding the (rank+1)-th free position
    let pos = 0
    let left = rank + 1
    for (let step = top; step > 0; step >>= 1) {
      const next = pos + step
      if (next <= n && tree[next] < left) { pos = next; left -= tree[next] }
    }
    out[pos] = items[k]
    for (let i = pos + 1; i <= n; i += i & -i) tree[i] -= 1
  }
  return out
}
