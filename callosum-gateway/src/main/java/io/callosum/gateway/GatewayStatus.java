package io.callosum.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a {@link Gateway}: its links (per link: up or not, open channels, bytes both ways,
 * refused opens), its local peers and registered names, and refusals in total. Immutable.
 *
 * @param cluster this gateway's cluster
 * @param links every configured or dialled-in link, by remote cluster
 * @param localConnections connections of local peers
 * @param registered names registered by local peers
 * @param channels channels relayed now (each counted once per leg)
 * @param refusals channel opens and registrations refused since start
 * @param forwards open forwarded TCP connections
 * @param bufferedBytes bytes the gateway holds now: queued for its connections and for forwarded
 *     sockets
 */
public record GatewayStatus(
    String cluster,
    List<LinkStatus> links,
    int localConnections,
    List<String> registered,
    int channels,
    long refusals,
    int forwards,
    long bufferedBytes) {

  public GatewayStatus {
    links = List.copyOf(links);
    registered = List.copyOf(registered);
  }

  /**
   * One link.
   *
   * @param cluster the remote cluster
   * @param direction {@code out} (this gateway dials) or {@code in}
   * @param up whether the link's connection is established
   * @param channels channels open on it now
   * @param bytesIn bytes received on its current connection
   * @param bytesOut bytes sent on its current connection
   * @param refusals channel opens from that cluster refused since start
   */
  public record LinkStatus(
      String cluster,
      String direction,
      boolean up,
      int channels,
      long bytesIn,
      long bytesOut,
      long refusals) {}

  /** The link to {@code cluster}, if any. */
  public LinkStatus link(String cluster) {
    for (LinkStatus l : links) {
      if (l.cluster().equals(cluster)) {
        return l;
      }
    }
    return null;
  }

  /** The status as plain maps and lists (for the admin endpoint and JSON output). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cluster", cluster);
    List<Object> ls = new ArrayList<>();
    for (LinkStatus l : links) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("cluster", l.cluster());
      x.put("direction", l.direction());
      x.put("up", l.up());
      x.put("channels", l.channels());
      x.put("bytesIn", l.bytesIn());
      x.put("bytesOut", l.bytesOut());
      x.put("refusals", l.refusals());
      ls.add(x);
    }
    m.put("links", ls);
    m.put("localConnections", localConnections);
    m.put("registered", registered);
    m.put("channels", channels);
    m.put("refusals", refusals);
    m.put("forwards", forwards);
    m.put("bufferedBytes", bufferedBytes);
    return m;
  }
}
