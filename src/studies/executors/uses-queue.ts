/** Whether options ask for the Redis queue; apart from queue-credentials.ts so that a pipeline can ask without loading the Redis client. */
export const usesQueue = (o: { redis?: unknown; redisUrlFile?: unknown }): boolean => o.redis !== undefined || o.redisUrlFile !== undefined;
