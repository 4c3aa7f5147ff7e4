/** `node --import register.js`: installs loader.ts's resolution hook when PEERCALL_PRISTINE names packages. */
import { register } from 'node:module'

if (process.env.PEERCALL_PRISTINE !== undefined) register(new URL('./loader.js', import.meta.url))
