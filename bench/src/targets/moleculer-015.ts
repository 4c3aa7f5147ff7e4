/** Moleculer 0.15 (the `moleculer-0.15` alias of moleculer@0.15.2), set up as moleculer.ts sets up 0.14. */
import Moleculer015 from 'moleculer-0.15'
import { moleculerTarget } from './moleculer.js'
import type { Target } from './target.js'

export const target: Target = moleculerTarget(Moleculer015.ServiceBroker as unknown as Parameters<typeof moleculerTarget>[0])
