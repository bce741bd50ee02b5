package io.callosum.internal.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.OrderKey;
import io.callosum.lower.Backoff;
import io.callosum.testing.ManualTimer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The parts of a balanced peer alone: backoff delays, the choice of endpoint, resolution. */
class BalanceUnitsTest {
  private static Backend[] backends(String... addresses) {
    Backend[] out = new Backend[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      out[i] =
          new Backend(
              addresses[i],
              new Backend.Context(
                  new Object(),
                  null,
                  new ManualTimer(),
                  Runnable::run,
                  new Handlers(),
                  () -> {},
                  b -> {}),
              new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), () -> 0));
    }
    return out;
  }

  @Test
  void aKeyKeepsItsEndpointAndOnlyTheKeysOfAnEndpointThatLeavesMove() {
    Picker picker = new Picker(false);
    Backend[] four = backends("tcp://a:1", "tcp://b:1", "tcp://c:1", "tcp://d:1");
    Backend[] withoutC = {four[0], four[1], four[3]};
    Map<String, Integer> perEndpoint = new HashMap<>();
    for (int k = 0; k < 1000; k++) {
      OrderKey key = OrderKey.of("key-" + k);
      Backend before = picker.pick(four, key);
      assertEquals(before, picker.pick(four, key), "stable while the set is");
      Backend after = picker.pick(withoutC, key);
      if (before != four[2]) {
        assertEquals(before, after, "a key whose endpoint stayed does not move");
      }
      perEndpoint.merge(before.address, 1, Integer::sum);
    }
    for (int n : perEndpoint.values()) {
      assertTrue(n > 150 && n < 350, "keys spread evenly: " + perEndpoint);
    }
  }

  @Test
  void roundRobinTakesEachInTurnAndLeastOutstandingTheLeastBusy() {
    Backend[] three = backends("inproc://a", "inproc://b", "inproc://c");
    Picker rr = new Picker(false);
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(rr.pick(three, OrderKey.NONE).address);
    }
    assertEquals(
        List.of("inproc://a", "inproc://b", "inproc://c", "inproc://a", "inproc://b", "inproc://c"),
        order);
    Picker lo = new Picker(true);
    three[0].started();
    three[0].started();
    three[1].started();
    for (int i = 0; i < 5; i++) {
      assertEquals("inproc://c", lo.pick(three, OrderKey.NONE).address);
    }
    three[2].started();
    three[2].started();
    assertEquals("inproc://b", lo.pick(three, OrderKey.NONE).address);
    assertEquals(null, lo.pick(new Backend[0], OrderKey.NONE));
  }

  @Test
  void resolutionExpandsNamesSortedKeepsTheLastGoodAndCaps() throws Exception {
    AtomicReference<Object> answer = new AtomicReference<>(List.of("10.0.0.9", "10.0.0.1", "::1"));
    Resolution r =
        new Resolution(
            List.of("tcp://fixed:1", "dns+tcp://svc:7000", "tcp://10.0.0.1:7000"),
            host -> {
              assertEquals("svc", host);
              Object a = answer.get();
              if (a instanceof IOException e) {
                throw e;
              }
              @SuppressWarnings("unchecked")
              List<String> hosts = (List<String>) a;
              return hosts;
            },
            10);
    assertTrue(r.changes());
    List<String> first =
        List.of("tcp://fixed:1", "tcp://10.0.0.1:7000", "tcp://10.0.0.9:7000", "tcp://[::1]:7000");
    assertEquals(first, r.current(), "sorted, IPv6 bracketed, duplicates once");
    answer.set(new IOException("SERVFAIL"));
    assertEquals(first, r.current(), "a failed resolution keeps the last endpoints");
    assertTrue(
        r.problems().get("dns+tcp://svc:7000").contains("SERVFAIL"), r.problems().toString());
    answer.set(List.of());
    assertEquals(first, r.current(), "so does one that gives nothing");
    answer.set(List.of("10.0.0.2"));
    assertEquals(
        List.of("tcp://fixed:1", "tcp://10.0.0.2:7000", "tcp://10.0.0.1:7000"), r.current());
    assertTrue(r.problems().isEmpty());

    Resolution capped =
        new Resolution(List.of("dns+zmq+tcp://svc:5"), host -> List.of("b", "c", "a"), 2);
    assertEquals(List.of("zmq+tcp://a:5", "zmq+tcp://b:5"), capped.current());
    assertEquals(
        "tcp://[fe80::1]:9", Resolution.endpoint(URI.create("dns+tcp://svc:9"), "fe80::1"));
    assertTrue(!new Resolution(List.of("tcp://a:1"), h -> List.of(), 1).changes());
  }
}
