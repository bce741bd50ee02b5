import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpTransport;

/**
 * The TCP lower ({@code tcp://host:port}): framing, many channels in one connection, heartbeats,
 * reconnect; {@code tunnel://CLUSTER/NAME} through a gateway.
 */
// The qualified export below names io.callosum.gateway, which is built after this module.
@SuppressWarnings("module")
module io.callosum.lower.tcp {
  requires transitive io.callosum.core;
  requires transitive io.callosum.auth;
  requires org.slf4j;
  requires org.bouncycastle.provider;
  // lazysodium-java names no module: its automatic module takes the name of its jar.
  requires lazysodium.java;
  requires com.sun.jna;

  exports io.callosum.lower.tcp;
  // The gateway relays frames over this lower's connections: RelayLoop and the few types it hands
  // out.
  exports io.callosum.lower.tcp.internal to
      io.callosum.gateway;

  provides Transport with
      TcpTransport;
}
