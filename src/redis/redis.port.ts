/** The part of Redis a health check needs. */
export interface RedisPing {
  ping(): Promise<void>;
}
