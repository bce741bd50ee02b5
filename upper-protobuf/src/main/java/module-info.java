/**
 * The Protobuf upper: typed clients and server bindings for {@code .proto} services, carried by any
 * lower; bodies and stream items are the messages' protobuf encoding.
 */
module io.callosum.upper.protobuf {
  requires transitive io.callosum.core;
  requires transitive com.google.protobuf;

  exports io.callosum.upper.protobuf;
}
