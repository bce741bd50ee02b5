package io.callosum.lower.tcp.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The connections an endpoint holds per source, within {@code TcpOptions.maxConnectionsPerAddress}:
 * so that one source cannot take every connection a bound endpoint (or a gateway) serves and lock
 * every other source out. A source is an IPv4 address, or the /64 network of an IPv6 address (a
 * host usually has a whole /64 to pick addresses from). A source leaves the table with its last
 * connection. Loop thread only.
 */
public final class ConnectionsBySource {
  private final int max;
  private final Map<InetAddress, Integer> counts = new HashMap<>();

  /** At most {@code max} connections per source. */
  public ConnectionsBySource(int max) {
    this.max = max;
  }

  /** The source {@code address} counts against: itself, or for IPv6 its /64 network. */
  public static InetAddress sourceOf(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] network = Arrays.copyOf(address.getAddress(), 16);
    Arrays.fill(network, 8, 16, (byte) 0);
    try {
      return InetAddress.getByAddress(network);
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes are an IPv6 address", e);
    }
  }

  /** The source an accepted socket counts against, or null if it cannot tell (closed already). */
  public static InetAddress sourceOf(SocketChannel sc) {
    try {
      return sc.getRemoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
          ? sourceOf(a.getAddress())
          : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Counts one more connection from {@code source} (a {@link #sourceOf} value); false, counting
   * nothing, if it holds {@code max} already.
   */
  public boolean add(InetAddress source) {
    int n = counts.getOrDefault(source, 0);
    if (n >= max) {
      return false;
    }
    counts.put(source, n + 1);
    return true;
  }

  /** Whether {@code source} holds its {@code max} connections: {@link #add} would refuse it. */
  public boolean full(InetAddress source) {
    return counts.getOrDefault(source, 0) >= max;
  }

  /** A connection counted by {@link #add} has ended. */
  public void remove(InetAddress source) {
    counts.computeIfPresent(source, (a, n) -> n == 1 ? null : n - 1);
  }

  /** The limit per source. */
  public int max() {
    return max;
  }

  /** Sources with a connection now (for tests). */
  public int sources() {
    return counts.size();
  }

  /** How a source is named in refusals: the address, or the IPv6 network as {@code ADDR/64}. */
  public static String describe(InetAddress source) {
    return source instanceof Inet6Address
        ? source.getHostAddress() + "/64"
        : source.getHostAddress();
  }
}
