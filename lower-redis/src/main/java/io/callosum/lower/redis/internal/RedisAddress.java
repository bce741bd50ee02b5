package io.callosum.lower.redis.internal;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A parsed {@code redis://[USER[:PASSWORD]@]HOST[:PORT]/STREAM_KEY[?group=NAME&consumer=NAME]}
 * address ({@code rediss://} for TLS): the Redis server, the stream key and the reader's group and
 * consumer. The names of the streams derived from the key live here too, so that every part of the
 * lower agrees on them. Immutable.
 *
 * @param tls whether the scheme is {@code rediss}
 * @param host Redis host
 * @param port Redis port (6379 when the address names none)
 * @param username ACL user from the address, or null
 * @param password password from the address, or null
 * @param key the stream key
 * @param group the reader's consumer group, or null when the address names none
 * @param consumer the reader's consumer name, or null when the address names none
 */
public record RedisAddress(
    boolean tls,
    String host,
    int port,
    String username,
    char[] password,
    String key,
    String group,
    String consumer) {

  /** The group a reader joins when the address names none. */
  public static final String DEFAULT_GROUP = "callosum";

  /** The port when the address names none. */
  public static final int DEFAULT_PORT = 6379;

  /** Keys, groups and consumers: printable, no spaces, nothing a URI or a log would mangle. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:{}@+=-]{1,200}");

  /**
   * Parses {@code uri}; an address this lower cannot use is an {@link IllegalArgumentException}.
   */
  public static RedisAddress parse(URI uri) {
    String scheme = uri.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw bad(uri, "the scheme must be redis:// or rediss://");
    }
    if (uri.isOpaque() || uri.getHost() == null) {
      throw bad(uri, "no host");
    }
    String path = uri.getRawPath();
    if (path == null || path.length() < 2) {
      throw bad(uri, "no stream key (redis://HOST:PORT/STREAM_KEY)");
    }
    String key = decode(path.substring(1));
    check(uri, "stream key", key);
    if (uri.getRawFragment() != null) {
      throw bad(uri, "a fragment (#...) means nothing here");
    }
    String group = null;
    String consumer = null;
    String query = uri.getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&", -1)) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        switch (name) {
          case "group" -> group = check(uri, "group", value);
          case "consumer" -> consumer = check(uri, "consumer", value);
          default -> throw bad(uri, "unknown parameter '" + name + "' (known: group, consumer)");
        }
      }
    }
    String username = null;
    char[] password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      username = user.isEmpty() ? null : user;
      if (colon >= 0) {
        password = decode(userInfo.substring(colon + 1)).toCharArray();
      } else {
        password = username == null ? null : username.toCharArray(); // redis://PASSWORD@host
        username = null;
      }
    }
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    return new RedisAddress(
        "rediss".equals(scheme), uri.getHost(), port, username, password, key, group, consumer);
  }

  /** The group to read with: the address's, else {@link #DEFAULT_GROUP}. */
  public String groupOrDefault() {
    return group != null ? group : DEFAULT_GROUP;
  }

  /** The stream the bound side reads: calls and replies towards it. */
  public String bindStream() {
    return key + ".bind";
  }

  /** The stream Python Callosum's connecting side reads (and a Java one talking to it). */
  public String connStream() {
    return key + ".conn";
  }

  /** The stream where connecting Java peers announce themselves to the bound side. */
  public String helloStream() {
    return key + ".hello";
  }

  /**
   * The key by which bound Java peers say they are there (set with a time to live, renewed every
   * heartbeat) or that the last one closed in order ({@code closed}).
   */
  public String boundKey() {
    return key + ".bound";
  }

  /** The reply stream of the connecting Java peer {@code peer}. */
  public String peerStream(String peer) {
    return key + ".conn." + peer;
  }

  /** The address as others use it: no credentials, no group or consumer. */
  public String shareable() {
    return (tls ? "rediss" : "redis") + "://" + hostPort() + "/" + key;
  }

  /** {@code HOST:PORT}, with brackets for an IPv6 host. */
  public String hostPort() {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return shareable()
        + (group != null || consumer != null
            ? "?"
                + (group != null ? "group=" + group : "")
                + (group != null && consumer != null ? "&" : "")
                + (consumer != null ? "consumer=" + consumer : "")
            : "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RedisAddress a && a.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static String check(URI uri, String what, String value) {
    if (!NAME.matcher(value).matches()) {
      throw bad(
          uri,
          "the " + what + " must be 1 to 200 of A-Z a-z 0-9 . _ : { } @ + = -: '" + value + "'");
    }
    return value;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException bad(URI uri, String why) {
    String shown = uri.getRawUserInfo() == null ? uri.toString() : uri.getScheme() + "://***@...";
    return new IllegalArgumentException("not a Redis address (" + why + "): " + shown);
  }
}
