declare module 'hashring' {
  export default class HashRing {
    constructor (servers?: string | string[] | Record<string, unknown>, algorithm?: string, options?: Record<string, unknown>)
    get (key: string): string
    add (server: string | string[]): this
    remove (server: string): this
  }
}
