/**
 * Tunnelling gateways: local peers register names and call {@code tunnel://CLUSTER/NAME}; other
 * clusters' gateways are reached over one CurveZMQ link per pair; TCP ports are forwarded through
 * links. Built on the TCP lower's connections ({@code io.callosum.lower.tcp.internal.RelayLoop}).
 */
module io.callosum.gateway {
  requires transitive io.callosum.lower.tcp;
  requires org.slf4j;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;

  exports io.callosum.gateway;
}
