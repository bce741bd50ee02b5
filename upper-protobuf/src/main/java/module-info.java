/**
 * The Protobuf upper: typed clients and server bindings for {@code .proto} services, carried by any
 * lower; bodies and stream items are the messages' protobuf encoding.
 */
// protobuf-java is an automatic module; its types (Message, Service, RpcController...) are part of
// this API.
@SuppressWarnings("requires-transitive-automatic")
module io.callosum.upper.protobuf {
  requires transitive io.callosum.core;
  requires transitive com.google.protobuf;
  requires org.slf4j;

  exports io.callosum.upper.protobuf;
}
