package io.callosum;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Key-value metadata of a call or of its reply, as grpc-java's {@code Metadata} or HTTP headers:
 * each key, a non-empty string, has one value, a string or bytes. A caller sets it with {@link
 * Invocation#metadata}, an interceptor adds to it ({@link CallInterceptor#sending}), a handler
 * reads it ({@link CallContext#metadata()}) and answers with its own ({@link
 * CallContext#setReplyMetadata}).
 *
 * <p>It travels only to remotes that announced {@link io.callosum.lower.Capabilities#METADATA}: a
 * Python Callosum peer announces nothing and never sees it (a call to it goes without). A remote
 * may send at most {@link Limits#maxMetadataEntries()} entries in {@link Limits#maxMetadataSize()}
 * bytes, and so may this peer. Immutable and thread-safe; build one with {@link #builder()} or
 * {@link #of}.
 */
public final class Metadata {
  /** No entries. */
  public static final Metadata EMPTY = new Metadata(Map.of());

  /** String or byte[] values, in the order they were put. */
  private final Map<String, Object> entries;

  private Metadata(Map<String, Object> entries) {
    this.entries = entries;
  }

  /** One string entry. */
  public static Metadata of(String key, String value) {
    return builder().put(key, value).build();
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder(Map.of());
  }

  /** A builder holding these entries, to derive other metadata. */
  public Builder toBuilder() {
    return new Builder(entries);
  }

  /** The string value of {@code key}; null if it is absent or holds bytes. */
  public String get(String key) {
    return entries.get(key) instanceof String s ? s : null;
  }

  /** A copy of the bytes of {@code key}; null if it is absent or holds a string. */
  public byte[] getBinary(String key) {
    return entries.get(key) instanceof byte[] b ? b.clone() : null;
  }

  /** Whether {@code key} has a value. */
  public boolean containsKey(String key) {
    return entries.containsKey(key);
  }

  /** Whether the value of {@code key} is bytes (false if it is a string or absent). */
  public boolean isBinary(String key) {
    return entries.get(key) instanceof byte[];
  }

  /** The keys, in the order they were put. */
  public Set<String> keys() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Metadata other) || other.entries.size() != entries.size()) {
      return false;
    }
    for (Map.Entry<String, Object> e : entries.entrySet()) {
      Object mine = e.getValue();
      Object theirs = other.entries.get(e.getKey());
      boolean same =
          mine instanceof byte[] a
              ? theirs instanceof byte[] b && Arrays.equals(a, b)
              : mine.equals(theirs);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, Object> e : entries.entrySet()) {
      Object v = e.getValue();
      h += e.getKey().hashCode() ^ (v instanceof byte[] b ? Arrays.hashCode(b) : v.hashCode());
    }
    return h;
  }

  /** The entries, with bytes shown by their length: {@code {tenant=acme, token=<16 bytes>}}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    for (Map.Entry<String, Object> e : entries.entrySet()) {
      if (s.length() > 1) {
        s.append(", ");
      }
      s.append(e.getKey()).append('=');
      if (e.getValue() instanceof byte[] b) {
        s.append('<').append(b.length).append(" bytes>");
      } else {
        s.append(e.getValue());
      }
    }
    return s.append('}').toString();
  }

  /** Collects entries; a key put again replaces its value. Not thread-safe. */
  public static final class Builder {
    private final LinkedHashMap<String, Object> entries;

    private Builder(Map<String, Object> from) {
      this.entries = new LinkedHashMap<>(from);
    }

    /** Sets {@code key} to a string value. */
    public Builder put(String key, String value) {
      entries.put(checked(key), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Sets {@code key} to bytes (copied). */
    public Builder put(String key, byte[] value) {
      entries.put(checked(key), Objects.requireNonNull(value, "value").clone());
      return this;
    }

    /** Removes {@code key}, if present. */
    public Builder remove(String key) {
      entries.remove(key);
      return this;
    }

    /** Whether {@code key} has a value so far. */
    public boolean containsKey(String key) {
      return entries.containsKey(key);
    }

    public Metadata build() {
      return entries.isEmpty()
          ? EMPTY
          : new Metadata(Collections.unmodifiableMap(new LinkedHashMap<>(entries)));
    }

    private static String checked(String key) {
      if (Objects.requireNonNull(key, "key").isEmpty()) {
        throw new IllegalArgumentException("a metadata key must not be empty");
      }
      return key;
    }
  }
}
