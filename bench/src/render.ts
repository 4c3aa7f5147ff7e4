/**
 * `node bench/dist/src/render.js`: re-renders docs/benchmarks.md and its SVG charts (docs/benchmarks-charts/) from
 * the raw figures of earlier runs (docs/benchmarks.json, docs/benchmarks-memory.json, docs/soak.json), without
 * measuring again. The figures, date and machine stay those of the runs that produced the JSON.
 */
import { fileURLToPath } from 'node:url'
import { renderAll } from './harness/render-all.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
console.log(`rendered ${renderAll(ROOT).join(', ')}`)
