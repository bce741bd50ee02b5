package io.callosum.pipe;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a named pipe is and which end of it to open: the address of the peer that hosts it ({@link
 * Pipes#host}), the pipe's name, and the direction. Printed and parsed as one opaque string, {@code
 * <address>#pipe=<name>;<read|write>} (the name URL-encoded), to be handed from a program that sets
 * a pipe up to those that write or read it.
 *
 * @param address the hosting peer's address, e.g. {@code zmq+tcp://10.0.0.5:5020}
 * @param name the pipe's name at that peer (1 to 256 characters)
 * @param mode which end
 */
public record PipeDescriptor(String address, String name, Mode mode) {
  /** The end of a pipe. */
  public enum Mode {
    READ,
    WRITE
  }

  public PipeDescriptor {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mode, "mode");
    URI.create(address);
    if (name.isEmpty() || name.length() > 256) {
      throw new IllegalArgumentException("a pipe name has 1 to 256 characters: '" + name + "'");
    }
  }

  /** The descriptor of the other end of the same pipe. */
  public PipeDescriptor other() {
    return new PipeDescriptor(address, name, mode == Mode.READ ? Mode.WRITE : Mode.READ);
  }

  /** Parses what {@link #toString()} printed; throws {@link IllegalArgumentException} otherwise. */
  public static PipeDescriptor parse(String descriptor) {
    int hash = descriptor.lastIndexOf("#pipe=");
    int semi = descriptor.lastIndexOf(';');
    if (hash < 1 || semi < hash) {
      throw new IllegalArgumentException(
          "not a pipe descriptor (<address>#pipe=<name>;<read|write>): " + descriptor);
    }
    String mode = descriptor.substring(semi + 1);
    Mode m;
    try {
      m = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "a pipe descriptor ends in ;read or ;write, not ;" + mode, e);
    }
    String name =
        URLDecoder.decode(
            descriptor.substring(hash + "#pipe=".length(), semi), StandardCharsets.UTF_8);
    return new PipeDescriptor(descriptor.substring(0, hash), name, m);
  }

  @Override
  public String toString() {
    return address
        + "#pipe="
        + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + ";"
        + mode.name().toLowerCase(Locale.ROOT);
  }
}
