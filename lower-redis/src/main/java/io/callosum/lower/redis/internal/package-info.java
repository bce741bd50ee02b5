/** Implementation of the Redis lower. Not exported. */
package io.callosum.lower.redis.internal;
