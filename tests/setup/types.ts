export interface TestServices {
  /** URL of the server's maintenance database, for creating and dropping test databases. */
  adminUrl: string;
  /** Migrated database that each test file clones. */
  templateDb: string;
  /** Every database of this run starts with it (dropped at the end). */
  dbPrefix: string;
  redisUrl: string;
  /** Every Redis key of this run starts with it (deleted at the end). */
  redisPrefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}
