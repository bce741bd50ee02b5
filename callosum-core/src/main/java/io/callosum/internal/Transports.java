package io.callosum.internal;

import io.callosum.Peer;
import io.callosum.lower.Transport;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The lowers found on the class or module path, loaded once: everything that finds a lower by the
 * scheme of its address shares one instance of it (and so, for ZeroMQ, one context).
 */
public final class Transports {
  private Transports() {}

  private static final class Installed {
    static final List<Transport> TRANSPORTS = load();

    private static List<Transport> load() {
      List<Transport> out = new ArrayList<>();
      for (Transport t : ServiceLoader.load(Transport.class, Peer.class.getClassLoader())) {
        out.add(t);
      }
      return List.copyOf(out);
    }
  }

  /** The installed lower that serves the scheme of {@code address}. */
  public static Transport find(URI address) {
    String scheme = address.getScheme();
    List<String> known = new ArrayList<>();
    for (Transport t : Installed.TRANSPORTS) {
      if (t.schemes().contains(scheme)) {
        return t;
      }
      known.addAll(t.schemes());
    }
    throw new IllegalArgumentException(
        "no lower serves the scheme '"
            + scheme
            + "' of "
            + address
            + "; available: "
            + known.stream().map(s -> s + "://").sorted().toList()
            + " (add the module of that lower, e.g. callosum-lower-zmq, to the class path)");
  }
}
