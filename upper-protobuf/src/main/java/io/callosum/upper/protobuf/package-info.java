/**
 * Typed calls for {@code .proto} services: {@link io.callosum.upper.protobuf.ProtobufServices}
 * binds a Java interface to a service descriptor, for calling ({@link
 * io.callosum.upper.protobuf.ProtobufClient}) or serving; {@link
 * io.callosum.upper.protobuf.ProtobufCodec} makes protobuf the peer's codec.
 */
package io.callosum.upper.protobuf;
