package io.callosum.gateway;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a gateway's YAML configuration file (every key is described in docs/GATEWAY.md): each key
 * maps onto one {@link GatewayConfig.Builder} setting. Unknown keys, missing required keys and
 * malformed values are refused with an {@link IllegalArgumentException} naming the key. Stateless;
 * any thread.
 */
public final class GatewayConfigFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");
  private static final Set<String> TOP =
      Set.of(
          "cluster",
          "listen",
          "linkListen",
          "admin",
          "secretKey",
          "keyFile",
          "links",
          "allowGateways",
          "grants",
          "forwards",
          "maxChannelBuffer",
          "heartbeat",
          "reconnect",
          "handshakeTimeout",
          "maxChannelsPerConnection",
          "maxConnections",
          "maxConnectionsPerAddress",
          "maxSendBacklog",
          "statusLog",
          "localPeers");

  private GatewayConfigFile() {}

  /** Reads {@code file}; relative {@code keyFile} paths are taken from the file's directory. */
  public static GatewayConfig read(Path file) throws IOException {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    try {
      return parse(root, file.toAbsolutePath().getParent());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; {@code keyFile} paths are taken from {@code base}. */
  public static GatewayConfig parse(String yaml, Path base) throws IOException {
    try {
      return parse(YAML.readTree(yaml), base);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getOriginalMessage(), e);
    }
  }

  private static GatewayConfig parse(JsonNode root, Path base) throws IOException {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the configuration must be a mapping of keys");
    }
    known(root, TOP, "");
    GatewayConfig.Builder b = GatewayConfig.builder(text(root, "cluster", true));
    String listen = text(root, "listen", false);
    if (listen != null) {
      b.listen(uri(listen, "listen"));
    }
    String linkListen = text(root, "linkListen", false);
    if (linkListen != null) {
      b.linkListen(uri(linkListen, "linkListen"));
    }
    String admin = text(root, "admin", false);
    if (admin != null) {
      b.admin(uri(admin, "admin"));
    }
    String secret = text(root, "secretKey", false);
    String keyFile = text(root, "keyFile", false);
    if (secret != null && keyFile != null) {
      throw new IllegalArgumentException("give secretKey or keyFile, not both");
    }
    if (secret != null) {
      b.keyPair(CurveKeyPair.fromSecretKeyZ85(secret));
    } else if (keyFile != null) {
      Path p = base == null ? Path.of(keyFile) : base.resolve(keyFile);
      b.keyPair(
          CurveCertificate.read(p)
              .keyPair()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "keyFile " + p + " holds no secret key (use the .key_secret file)")));
    }
    for (JsonNode l : list(root, "links")) {
      known(l, Set.of("cluster", "address", "serverKey"), "links[]");
      b.link(
          text(l, "cluster", true),
          uri(text(l, "address", true), "links[].address"),
          key(text(l, "serverKey", true)));
    }
    for (JsonNode g : list(root, "allowGateways")) {
      known(g, Set.of("cluster", "key"), "allowGateways[]");
      b.allowGateway(text(g, "cluster", true), key(text(g, "key", true)));
    }
    JsonNode grants = root.get("grants");
    if (grants != null && !grants.isNull()) {
      if (!grants.isObject()) {
        throw new IllegalArgumentException("grants must map cluster names to {names, forwards}");
      }
      for (Map.Entry<String, JsonNode> e : grants.properties()) {
        known(e.getValue(), Set.of("names", "forwards"), "grants." + e.getKey());
        for (JsonNode n : list(e.getValue(), "names")) {
          b.grant(e.getKey(), n.asText());
        }
        for (JsonNode t : list(e.getValue(), "forwards")) {
          b.grantForward(e.getKey(), t.asText());
        }
        if (!e.getValue().has("names") && !e.getValue().has("forwards")) {
          b.grant(e.getKey());
        }
      }
    }
    for (JsonNode p : list(root, "localPeers")) {
      known(p, Set.of("key", "names"), "localPeers[]");
      List<String> names = new ArrayList<>();
      for (JsonNode n : list(p, "names")) {
        names.add(n.asText());
      }
      b.localPeer(key(text(p, "key", true)), names.toArray(new String[0]));
    }
    for (JsonNode f : list(root, "forwards")) {
      known(f, Set.of("listen", "cluster", "target"), "forwards[]");
      b.forward(
          uri(text(f, "listen", true), "forwards[].listen"),
          text(f, "cluster", true),
          text(f, "target", true));
    }
    JsonNode buffer = root.get("maxChannelBuffer");
    if (buffer != null) {
      if (!buffer.canConvertToLong()) {
        throw new IllegalArgumentException("maxChannelBuffer must be a number of bytes");
      }
      b.maxChannelBuffer(buffer.asLong());
    }
    b.tcp(tcp(root));
    String statusLog = text(root, "statusLog", false);
    if (statusLog != null) {
      b.statusLog(duration(statusLog, "statusLog"));
    }
    return b.build();
  }

  private static TcpOptions tcp(JsonNode root) {
    TcpOptions.Builder t = TcpOptions.builder();
    JsonNode hb = root.get("heartbeat");
    if (hb != null) {
      known(hb, Set.of("interval", "timeout"), "heartbeat");
      t.heartbeat(
          duration(text(hb, "interval", true), "heartbeat.interval"),
          duration(text(hb, "timeout", true), "heartbeat.timeout"));
    }
    JsonNode rc = root.get("reconnect");
    if (rc != null) {
      known(rc, Set.of("min", "max"), "reconnect");
      t.reconnect(
          duration(text(rc, "min", true), "reconnect.min"),
          duration(text(rc, "max", true), "reconnect.max"));
    }
    String hs = text(root, "handshakeTimeout", false);
    if (hs != null) {
      t.handshakeTimeout(duration(hs, "handshakeTimeout"));
    }
    JsonNode ch = root.get("maxChannelsPerConnection");
    if (ch != null) {
      t.maxChannelsPerConnection(ch.asInt());
    }
    JsonNode backlog = root.get("maxSendBacklog");
    if (backlog != null) {
      if (!backlog.canConvertToLong() || !backlog.isIntegralNumber()) {
        throw new IllegalArgumentException("maxSendBacklog must be a number of bytes: " + backlog);
      }
      t.maxSendBacklog(backlog.asLong());
    }
    JsonNode conns = root.get("maxConnections");
    if (conns != null) {
      t.maxConnections(conns.asInt());
    }
    JsonNode perAddress = root.get("maxConnectionsPerAddress");
    if (perAddress != null) {
      t.maxConnectionsPerAddress(perAddress.asInt());
    }
    return t.build();
  }

  private static void known(JsonNode node, Set<String> keys, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          (where.isEmpty() ? "the file" : where) + " must be a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!keys.contains(k)) {
        throw new IllegalArgumentException(
            "unknown key "
                + (where.isEmpty() ? "" : where + ".")
                + k
                + " (known: "
                + new TreeSet<>(keys)
                + ")");
      }
    }
  }

  private static String text(JsonNode node, String key, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException("missing key " + key);
      }
      return null;
    }
    if (!v.isValueNode()) {
      throw new IllegalArgumentException(key + " must be a single value");
    }
    return v.asText();
  }

  private static Iterable<JsonNode> list(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(key + " must be a list");
    }
    return v;
  }

  private static URI uri(String s, String key) {
    try {
      return URI.create(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " is not an address: " + s, e);
    }
  }

  private static CurvePublicKey key(String z85) {
    return CurvePublicKey.fromZ85(z85);
  }

  /** {@code 500ms}, {@code 5s}, {@code 1m}. */
  static Duration duration(String s, String key) {
    Matcher m = DURATION.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(key + " must be a duration such as 500ms, 5s or 1m: " + s);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }
}
