package io.callosum.examples;

import io.callosum.Ordering;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How the commands' option values are read from text. Each converter is stateless. */
final class OptionConverters {
  private OptionConverters() {}

  /**
   * A positive duration: {@code 250ms}, {@code 5s}, {@code 2m}, or a bare number of seconds such
   * as {@code 1.5}.
   */
  static final class Timeout implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      BigDecimal millisPerUnit = BigDecimal.valueOf(1000);
      if (t.endsWith("ms")) {
        t = t.substring(0, t.length() - 2);
        millisPerUnit = BigDecimal.ONE;
      } else if (t.endsWith("s")) {
        t = t.substring(0, t.length() - 1);
      } else if (t.endsWith("m")) {
        t = t.substring(0, t.length() - 1);
        millisPerUnit = BigDecimal.valueOf(60_000);
      }
      BigDecimal millis;
      try {
        millis = new BigDecimal(t.trim()).multiply(millisPerUnit);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + text + "' is not a duration (e.g. 250ms, 5s, 2m, 1.5)");
      }
      BigDecimal nanos = millis.movePointRight(6);
      if (nanos.compareTo(BigDecimal.ONE) < 0 || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw new TypeConversionException("'" + text + "' is not a positive duration");
      }
      return Duration.ofNanos(nanos.longValue());
    }
  }

  /** {@code none}, {@code return-ordered} or {@code serialized}; also the help's candidate list. */
  static final class OrderingName implements ITypeConverter<Ordering>, Iterable<String> {
    private static final Map<String, Ordering> NAMES =
        Map.of("none", Ordering.NONE, "return-ordered", Ordering.KEY_RETURN_ORDERED, "serialized", Ordering.KEY_SERIALIZED);

    @Override
    public Ordering convert(String text) {
      Ordering o = NAMES.get(text.trim().toLowerCase(Locale.ROOT));
      if (o == null) {
        throw new TypeConversionException("'" + text + "' is not one of " + String.join(", ", this));
      }
      return o;
    }

    @Override
    public Iterator<String> iterator() {
      return List.of("none", "return-ordered", "serialized").iterator();
    }
  }

  /**
   * An address of the form {@code SCHEME://REST}. Whether a lower serves the scheme is decided
   * later, by the core, which names the schemes it has.
   */
  static final class Address implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      try {
        URI uri = new URI(text);
        if (uri.getScheme() != null && text.startsWith(uri.getScheme() + "://") && text.length() > uri.getScheme().length() + 3) {
          return text;
        }
      } catch (URISyntaxException e) {
        // reported below, with the expected form
      }
      throw new TypeConversionException("'" + text + "' is not an address of the form SCHEME://..., e.g. inproc://demo");
    }
  }
}
