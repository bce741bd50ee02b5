package io.callosum.auth.internal;

import io.callosum.auth.CertificateFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of the ZeroMQ property language (ZPL, ZeroMQ RFC 4) in which certificate files are
 * written: one {@code name} or {@code name = value} per line, nesting by indentation of 4 spaces a
 * level, comments from {@code #}, values quoted with {@code "} or {@code '} or bare. Stateless.
 */
public final class Zpl {
  private Zpl() {}

  /** One line of a ZPL text: its path from the root ({@code curve/public-key}) and its value. */
  public record Entry(String path, String value, int line) {}

  /**
   * The entries of {@code text} by path, in file order. An entry without {@code = value} has the
   * value {@code null}. Error messages name the line but never quote a value (it may be secret).
   *
   * @throws CertificateFormatException if {@code text} is not ZPL or has one path twice
   */
  public static Map<String, Entry> parse(Path file, String text) throws CertificateFormatException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    List<String> parents = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNumber = i + 1;
      String line = lines[i];
      int indent = 0;
      while (indent < line.length() && line.charAt(indent) == ' ') {
        indent++;
      }
      if (indent == line.length() || line.charAt(indent) == '#') {
        continue;
      }
      if (Character.isWhitespace(line.charAt(indent))) {
        throw new CertificateFormatException(
            file, lineNumber, "indentation must be spaces, 4 a level (found a tab or other blank)");
      }
      if (indent % 4 != 0) {
        throw new CertificateFormatException(
            file, lineNumber, "indented by " + indent + " spaces; ZPL indents by 4 a level");
      }
      int level = indent / 4;
      if (level > parents.size()) {
        throw new CertificateFormatException(
            file, lineNumber, "indented deeper than one level below the line above");
      }
      parents.subList(level, parents.size()).clear();
      Line parsed = new Line(file, lineNumber, line, indent);
      String name = parsed.name();
      String value = parsed.valueIfAny();
      String path = parents.isEmpty() ? name : String.join("/", parents) + "/" + name;
      Entry previous = entries.putIfAbsent(path, new Entry(path, value, lineNumber));
      if (previous != null) {
        throw new CertificateFormatException(
            file,
            lineNumber,
            "'" + path + "' appears twice (first on line " + previous.line() + ")");
      }
      parents.add(name);
    }
    return entries;
  }

  /** Whether {@code name} is a valid ZPL name: letters, digits and {@code $-_@.&+/}. */
  public static boolean isName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!isNameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "$-_@.&+/".indexOf(c) >= 0;
  }

  /** A cursor over one non-blank, non-comment line. */
  private static final class Line {
    private final Path file;
    private final int number;
    private final String text;
    private int pos;

    Line(Path file, int number, String text, int pos) {
      this.file = file;
      this.number = number;
      this.text = text;
      this.pos = pos;
    }

    String name() throws CertificateFormatException {
      int start = pos;
      while (pos < text.length() && isNameChar(text.charAt(pos))) {
        pos++;
      }
      if (pos == start) {
        throw error("expected a name (letters, digits and $-_@.&+/) at column " + (pos + 1));
      }
      return text.substring(start, pos);
    }

    /** The value after {@code =}, or null when the line is only a name (and maybe a comment). */
    String valueIfAny() throws CertificateFormatException {
      skipBlanks();
      if (atEndOrComment()) {
        return null;
      }
      if (text.charAt(pos) != '=') {
        throw error("expected '=' or the end of the line at column " + (pos + 1));
      }
      pos++;
      skipBlanks();
      String value;
      if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
        char quote = text.charAt(pos);
        int close = text.indexOf(quote, pos + 1);
        if (close < 0) {
          throw error(
              "the value opened with "
                  + quote
                  + " at column "
                  + (pos + 1)
                  + " is not closed on this line");
        }
        value = text.substring(pos + 1, close);
        pos = close + 1;
      } else {
        int start = pos;
        while (pos < text.length()
            && text.charAt(pos) != '#'
            && !Character.isWhitespace(text.charAt(pos))) {
          pos++;
        }
        value = text.substring(start, pos);
      }
      skipBlanks();
      if (!atEndOrComment()) {
        throw error("unexpected text after the value at column " + (pos + 1));
      }
      return value;
    }

    private void skipBlanks() {
      while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
        pos++;
      }
    }

    private boolean atEndOrComment() {
      return pos == text.length() || text.charAt(pos) == '#';
    }

    private CertificateFormatException error(String problem) {
      return new CertificateFormatException(file, number, problem);
    }
  }
}
