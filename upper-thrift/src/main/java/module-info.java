/**
 * The Thrift upper: generated Thrift clients and services carried over any Callosum lower. See
 * {@link io.callosum.upper.thrift.ThriftClients} and {@link
 * io.callosum.upper.thrift.ThriftService}.
 */
// libthrift is an automatic module; its types (TProtocol, TConfiguration...) are part of this API.
@SuppressWarnings("requires-transitive-automatic")
module io.callosum.upper.thrift {
  requires transitive io.callosum.core;
  requires transitive org.apache.thrift;
  requires org.slf4j;

  exports io.callosum.upper.thrift;
}
