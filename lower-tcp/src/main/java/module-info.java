/** The TCP lower ({@code tcp://host:port}): framing, many channels in one connection, heartbeats, reconnect; tunnelling gateways ({@code tunnel://CLUSTER/NAME}). */
module io.callosum.lower.tcp {
  requires transitive io.callosum.core;
  requires transitive io.callosum.auth;
  requires org.slf4j;
  requires org.bouncycastle.provider;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;

  exports io.callosum.lower.tcp;
  exports io.callosum.lower.tcp.gateway;

  provides io.callosum.lower.Transport with
      io.callosum.lower.tcp.TcpTransport;
}
