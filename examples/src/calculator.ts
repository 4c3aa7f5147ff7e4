/**
 * The seed's Calculator: add, subtract, multiply, divide. Dividing by zero throws a RangeError, which reaches
 * callers as an RpcError with code REMOTE and name RangeError.
 */
export interface Calculator {
  add(a: number, b: number): Promise<number>
  subtract(a: number, b: number): Promise<number>
  multiply(a: number, b: number): Promise<number>
  divide(a: number, b: number): Promise<number>
}

function check (a: unknown, b: unknown): void {
  if (typeof a !== 'number' || typeof b !== 'number') throw new TypeError('Calculator takes two numbers')
}

export const calculator = {
  add (a: number, b: number): number { check(a, b); return a + b },
  subtract (a: number, b: number): number { check(a, b); return a - b },
  multiply (a: number, b: number): number { check(a, b); return a * b },
  divide (a: number, b: number): number {
    check(a, b)
    if (b === 0) throw new RangeError('division by zero')
    return a / b
  }
}

/** Every Calculator method is safe to retry: it has no side effects. */
export const CALCULATOR_IDEMPOTENT = ['add', 'subtract', 'multiply', 'divide']
