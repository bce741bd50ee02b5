package io.callosum;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The bound peers a {@link BalancedPeer} calls: addresses, each either one endpoint ({@code
 * tcp://10.0.0.7:7000}, any scheme a lower serves) or a name to resolve into several ({@code
 * dns+tcp://orders.default.svc.cluster.local:7000}: one {@code tcp://IP:7000} endpoint per address
 * the name resolves to, as a Kubernetes headless service gives one per ready pod). Resolved names
 * are resolved again every {@link #refreshEvery refresh interval}. Immutable and thread-safe; each
 * {@code with}-style method returns a copy.
 *
 * <pre>{@code
 * Endpoints.of("tcp://10.0.0.7:7000", "tcp://10.0.0.8:7000")
 * Endpoints.of("dns+tcp://orders.default.svc.cluster.local:7000")
 *     .refreshEvery(Duration.ofSeconds(10))
 * }</pre>
 */
public final class Endpoints {
  /** The prefix of a scheme whose host is a name to resolve: {@code dns+tcp://NAME:PORT}. */
  public static final String RESOLVING_PREFIX = "dns+";

  /** Default {@link #refreshEvery}: 30 s. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);

  /**
   * Turns a host name into the addresses it stands for (IP literals, or any host part the lower's
   * scheme takes). Called on a thread of the balanced peer, never on a lower's I/O thread; it may
   * block. Thread-safe.
   */
  @FunctionalInterface
  public interface HostResolver {
    /** The system's resolver: every address of the name ({@link InetAddress#getAllByName}). */
    HostResolver SYSTEM =
        host ->
            Arrays.stream(InetAddress.getAllByName(host)).map(InetAddress::getHostAddress).toList();

    /** The addresses of {@code host}; throws if it cannot be resolved now. */
    List<String> resolve(String host) throws IOException;
  }

  private final List<String> addresses;
  private final Duration refresh;
  private final HostResolver resolver;

  private Endpoints(List<String> addresses, Duration refresh, HostResolver resolver) {
    this.addresses = addresses;
    this.refresh = refresh;
    this.resolver = resolver;
  }

  /**
   * The endpoints at {@code addresses}; each a peer's address, or {@code dns+SCHEME://NAME:PORT} to
   * resolve. Throws {@link IllegalArgumentException} for none, or for an address that is not a URI
   * with a scheme (a name to resolve also needs its host).
   */
  public static Endpoints of(String... addresses) {
    return of(Arrays.asList(addresses));
  }

  /** As {@link #of(String...)}. */
  public static Endpoints of(List<String> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no endpoint address given");
    }
    List<String> checked = new ArrayList<>();
    for (String a : addresses) {
      URI uri = URI.create(Objects.requireNonNull(a, "address"));
      if (uri.getScheme() == null) {
        throw new IllegalArgumentException("an endpoint address needs a scheme: " + a);
      }
      if (isResolving(uri) && (uri.getHost() == null || uri.getScheme().length() == 4)) {
        throw new IllegalArgumentException(
            "a name to resolve is dns+SCHEME://NAME[:PORT], e.g. dns+tcp://orders:7000: " + a);
      }
      checked.add(a);
    }
    return new Endpoints(List.copyOf(checked), DEFAULT_REFRESH, HostResolver.SYSTEM);
  }

  /** How often names are resolved again; endpoints that appear connect, those gone are drained. */
  public Endpoints refreshEvery(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("refresh interval must be positive: " + interval);
    }
    return new Endpoints(addresses, interval, resolver);
  }

  /** Resolves names with {@code resolver} instead of the system's (tests, service registries). */
  public Endpoints resolver(HostResolver resolver) {
    return new Endpoints(addresses, refresh, Objects.requireNonNull(resolver, "resolver"));
  }

  /** Whether {@code address} is a name to resolve ({@code dns+...}). */
  static boolean isResolving(URI address) {
    return address.getScheme() != null
        && address
            .getScheme()
            .regionMatches(true, 0, RESOLVING_PREFIX, 0, RESOLVING_PREFIX.length());
  }

  List<String> addresses() {
    return addresses;
  }

  Duration refresh() {
    return refresh;
  }

  HostResolver hostResolver() {
    return resolver;
  }

  @Override
  public String toString() {
    return addresses.toString();
  }
}
