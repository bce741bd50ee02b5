package io.callosum.internal.balance;

import io.callosum.Endpoints;
import io.callosum.internal.balance.BalancerConfig.Resolver;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a balanced peer's addresses into endpoint addresses: a plain address is one endpoint, a
 * name to resolve ({@code dns+SCHEME://NAME:PORT}) gives {@code SCHEME://ADDRESS:PORT} for each
 * address the resolver returns, sorted. A name that cannot be resolved, or resolves to nothing,
 * keeps the endpoints of its last good resolution. At most {@code max} endpoints: the rest are cut,
 * with a warning. Thread-safe (one resolution at a time).
 */
final class Resolution {
  private static final Logger LOG = LoggerFactory.getLogger(Resolution.class);
  private static final String PREFIX = Endpoints.RESOLVING_PREFIX;

  private final List<String> addresses;
  private final Resolver resolver;
  private final int max;
  private final Map<String, List<String>> lastGood = new HashMap<>();
  private final Map<String, String> problems = new HashMap<>();

  Resolution(List<String> addresses, Resolver resolver, int max) {
    this.addresses = addresses;
    this.resolver = resolver;
    this.max = max;
  }

  /** Whether some address is a name, so that resolving again may change the endpoints. */
  boolean changes() {
    return addresses.stream().anyMatch(Resolution::isName);
  }

  /** The endpoint addresses now, resolving every name (which may block). */
  synchronized List<String> current() {
    Set<String> out = new LinkedHashSet<>();
    for (String a : addresses) {
      if (isName(a)) {
        out.addAll(resolve(a));
      } else {
        out.add(a);
      }
    }
    List<String> all = new ArrayList<>(out);
    if (all.size() > max) {
      LOG.warn(
          "{} resolve to {} endpoints, more than maxEndpoints ({}): using the first {}",
          addresses,
          all.size(),
          max,
          max);
      return List.copyOf(all.subList(0, max));
    }
    return List.copyOf(all);
  }

  /** Why names resolved to nothing the last time, by name; empty when all resolved. */
  synchronized Map<String, String> problems() {
    return Map.copyOf(problems);
  }

  private List<String> resolve(String name) {
    URI template = URI.create(name);
    String why;
    try {
      List<String> hosts = resolver.resolve(template.getHost());
      if (hosts != null && !hosts.isEmpty()) {
        List<String> endpoints = new ArrayList<>();
        for (String host : hosts) {
          endpoints.add(endpoint(template, host));
        }
        endpoints.sort(null);
        lastGood.put(name, endpoints);
        problems.remove(name);
        return endpoints;
      }
      why = "resolved to no address";
    } catch (IOException | RuntimeException | URISyntaxException e) {
      why = "cannot resolve: " + e;
    }
    List<String> kept = lastGood.getOrDefault(name, List.of());
    problems.put(name, why);
    LOG.warn("{} {}; keeping its {} last endpoints", name, why, kept.size());
    return kept;
  }

  /** {@code template} ({@code dns+SCHEME://NAME...}) with {@code host} for the name. */
  static String endpoint(URI template, String host) throws URISyntaxException {
    return new URI(
            template.getScheme().substring(PREFIX.length()),
            template.getUserInfo(),
            host,
            template.getPort(),
            template.getPath(),
            template.getQuery(),
            template.getFragment())
        .toString();
  }

  static boolean isName(String address) {
    return address.toLowerCase(Locale.ROOT).startsWith(PREFIX);
  }
}
