/**
 * The Redis lower ({@code redis://}, {@code rediss://}): start at {@link
 * io.callosum.lower.redis.RedisTransport}.
 */
package io.callosum.lower.redis;
