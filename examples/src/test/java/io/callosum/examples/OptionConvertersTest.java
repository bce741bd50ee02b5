package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.callosum.Ordering;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class OptionConvertersTest {
  private final OptionConverters.Timeout timeout = new OptionConverters.Timeout();
  private final OptionConverters.OrderingName ordering = new OptionConverters.OrderingName();
  private final OptionConverters.Address address = new OptionConverters.Address();

  @Test
  void timeoutsTakeAUnitOrSeconds() {
    assertEquals(Duration.ofSeconds(5), timeout.convert("5s"));
    assertEquals(Duration.ofMillis(250), timeout.convert("250ms"));
    assertEquals(Duration.ofMillis(1500), timeout.convert("1.5"));
    assertEquals(Duration.ofMinutes(2), timeout.convert("2m"));
    assertEquals(Duration.ofMinutes(30), timeout.convert("30m"));
    assertEquals(Duration.ofMinutes(90), timeout.convert("1.5h"));
    assertEquals(Duration.ofNanos(500_000), timeout.convert("0.5MS"));
  }

  @Test
  void timeoutsMustBePositiveNumbers() {
    for (String bad :
        new String[] {"", "s", "abc", "5x", "h", "0", "-1s", "0.0000000001", "1e30s"}) {
      assertThrows(TypeConversionException.class, () -> timeout.convert(bad), bad);
    }
  }

  @Test
  void gracePeriodsAreDurationsOrZero() {
    OptionConverters.GracePeriod grace = new OptionConverters.GracePeriod();
    assertEquals(Duration.ofSeconds(10), grace.convert("10s"));
    assertEquals(Duration.ofMillis(250), grace.convert("250ms"));
    for (String zero : new String[] {"0", "0s", "0ms", "0.0", "00 m"}) {
      assertEquals(Duration.ZERO, grace.convert(zero), zero);
    }
    for (String bad : new String[] {"", "s", "-1s", "abc", "0x"}) {
      assertThrows(TypeConversionException.class, () -> grace.convert(bad), bad);
    }
  }

  @Test
  void orderingNames() {
    assertEquals(Ordering.NONE, ordering.convert("none"));
    assertEquals(Ordering.KEY_RETURN_ORDERED, ordering.convert("return-ordered"));
    assertEquals(Ordering.KEY_SERIALIZED, ordering.convert("Serialized"));
    assertThrows(TypeConversionException.class, () -> ordering.convert("KEY_SERIALIZED"));
    List<String> candidates =
        StreamSupport.stream(ordering.spliterator(), false).collect(Collectors.toList());
    assertEquals(List.of("none", "return-ordered", "serialized"), candidates);
  }

  @Test
  void addressesNeedASchemeAndARest() {
    assertEquals("inproc://calc", address.convert("inproc://calc"));
    assertEquals("zmq+tcp://127.0.0.1:5020", address.convert("zmq+tcp://127.0.0.1:5020"));
    for (String bad : new String[] {"calc", "inproc:", "inproc://", "://x", "in proc://x"}) {
      assertThrows(TypeConversionException.class, () -> address.convert(bad), bad);
    }
  }
}
