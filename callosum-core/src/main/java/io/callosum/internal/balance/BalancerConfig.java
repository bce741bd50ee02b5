package io.callosum.internal.balance;

import io.callosum.ConnectedPeer;
import io.callosum.PeerListener;
import io.callosum.Timer;
import io.callosum.upper.Codec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link Balancer} was built with.
 *
 * @param addresses endpoint addresses and names to resolve ({@code dns+SCHEME://NAME:PORT})
 * @param refresh how often names are resolved again
 * @param leastOutstanding the policy: least outstanding, else round robin
 * @param timer the peer's timer, shared by every connection
 * @param ownTimer the timer to close with the peer when it made its own; else null
 * @param codec the connections' codec (for calls refused before reaching one)
 * @param connections makes (not starts) the connection to one address
 */
public record BalancerConfig(
    String name,
    List<String> addresses,
    Duration refresh,
    Resolver resolver,
    boolean leastOutstanding,
    Duration backoffMin,
    Duration backoffMax,
    Duration connectTimeout,
    int maxEndpoints,
    Timer timer,
    AutoCloseable ownTimer,
    Codec codec,
    Connections connections) {

  /** Turns a host name into addresses; may block. */
  @FunctionalInterface
  public interface Resolver {
    List<String> resolve(String host) throws IOException;
  }

  /** Makes the connection to one endpoint, with {@code listener} added to the peer's listeners. */
  @FunctionalInterface
  public interface Connections {
    ConnectedPeer build(String address, PeerListener listener);
  }
}
