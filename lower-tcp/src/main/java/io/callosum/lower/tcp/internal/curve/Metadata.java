package io.callosum.lower.tcp.internal.curve;

import io.callosum.lower.tcp.internal.SecurityFailure;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The metadata of ZMTP 3 (RFC 23/37) that INITIATE and READY carry inside their boxes: properties,
 * each a name (one length byte, 1 to 255 characters of letters, digits and {@code - _ . +}) and a
 * value (four big-endian length bytes, then the bytes). Names are case-insensitive, so a name may
 * appear once. Stateless.
 */
final class Metadata {
  /** The most metadata bytes one side may send; a larger INITIATE or READY is refused. */
  static final int MAX_LENGTH = 16 * 1024;

  private Metadata() {}

  /**
   * The wire form of {@code properties}.
   *
   * @throws IllegalArgumentException if a name is not a ZMTP property name, appears twice, or the
   *     whole exceeds {@link #MAX_LENGTH}
   */
  static byte[] encode(Map<String, byte[]> properties) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, byte[]> p : properties.entrySet()) {
      String name = p.getKey();
      if (!validName(name)) {
        throw new IllegalArgumentException(
            "'" + name + "' is not a ZMTP property name (1 to 255 of A-Z a-z 0-9 - _ . +)");
      }
      if (!seen.add(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "the property '" + name + "' appears twice (names are case-insensitive)");
      }
      byte[] value = p.getValue();
      out.write(name.length());
      out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
      out.write(value.length >>> 24);
      out.write(value.length >>> 16);
      out.write(value.length >>> 8);
      out.write(value.length);
      out.writeBytes(value);
    }
    if (out.size() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "metadata of " + out.size() + " bytes exceeds the limit of " + MAX_LENGTH);
    }
    return out.toByteArray();
  }

  /**
   * The properties written in {@code length} bytes of {@code in} from {@code off}, in their order.
   *
   * @param command the command that carried them, for messages
   * @throws SecurityFailure (PROTOCOL) if they are malformed
   */
  static Map<String, byte[]> decode(byte[] in, int off, int length, String command)
      throws SecurityFailure {
    Map<String, byte[]> properties = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    int end = off + length;
    int at = off;
    while (at < end) {
      int nameLength = in[at++] & 0xff;
      if (nameLength == 0 || nameLength > end - at) {
        throw malformed(
            command, "a property name of " + nameLength + " bytes at offset " + (at - 1 - off));
      }
      String name = new String(in, at, nameLength, StandardCharsets.ISO_8859_1);
      at += nameLength;
      if (!validName(name)) {
        throw malformed(command, "a property name that is not letters, digits and - _ . +");
      }
      if (!seen.add(name.toLowerCase(Locale.ROOT))) {
        throw malformed(command, "the property '" + name + "' twice");
      }
      if (end - at < 4) {
        throw malformed(command, "no value length after the property '" + name + "'");
      }
      long valueLength =
          ((long) (in[at] & 0xff) << 24)
              | ((in[at + 1] & 0xff) << 16)
              | ((in[at + 2] & 0xff) << 8)
              | (in[at + 3] & 0xff);
      at += 4;
      if (valueLength > end - at) {
        throw malformed(
            command,
            "a value of "
                + valueLength
                + " bytes for '"
                + name
                + "' but only "
                + (end - at)
                + " left");
      }
      properties.put(name, Arrays.copyOfRange(in, at, at + (int) valueLength));
      at += (int) valueLength;
    }
    return Collections.unmodifiableMap(properties);
  }

  private static boolean validName(String name) {
    if (name.isEmpty() || name.length() > 255) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == '+';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static SecurityFailure malformed(String command, String what) {
    return new SecurityFailure(
        SecurityFailure.Kind.PROTOCOL, "malformed metadata in " + command + ": " + what);
  }
}
