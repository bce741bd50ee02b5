package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  @Test
  void aTransferShorterThanASecondHasARate() {
    AtomicLong now = new AtomicLong(1_000);
    StringWriter text = new StringWriter();
    ProgressLine line = new ProgressLine("send s", 4 << 20, new PrintWriter(text), now::get);
    assertEquals("0.0 MiB/s", line.rate());
    line.accept(1 << 20);
    now.addAndGet(250_000_000); // a quarter of a second
    line.accept(1 << 20);
    assertEquals("8.0 MiB/s", line.rate());
    line.finish();
    assertTrue(text.toString().contains("8.0 MiB/s"), text::toString);
    assertTrue(text.toString().contains("2/4 MiB"), text::toString);
  }
}
