/**
 * The example Calculator as a service module for `peercall node --service examples/dist/src/calculator-service.js`:
 * the same service the example peer (`npm run peer`) hosts, so that peers of both kinds form one Calculator.
 */
import { calculator, CALCULATOR_IDEMPOTENT } from './calculator.js'

export default { name: 'Calculator', impl: calculator, options: { idempotent: CALCULATOR_IDEMPOTENT } }
