import io.callosum.lower.Transport;
import io.callosum.lower.redis.RedisTransport;

/**
 * The Redis lower: RPC, broadcast and pipelines over Redis Streams (Lettuce), wire-compatible with
 * Python Callosum's Redis lowers.
 */
module io.callosum.lower.redis {
  requires transitive io.callosum.core;
  requires lettuce.core;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires org.slf4j;

  exports io.callosum.lower.redis;

  provides Transport with
      RedisTransport;
}
