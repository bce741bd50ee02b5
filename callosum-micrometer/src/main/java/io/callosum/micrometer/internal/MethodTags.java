package io.callosum.micrometer.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of the {@code method} tag: method names as they are, up to a number of distinct ones,
 * then {@link #OTHER}, so that however many names callers make up, the tag stays bounded. Names
 * longer than {@link #MAX_LENGTH} are {@link #OTHER} too. Thread-safe.
 */
public final class MethodTags {
  /** The tag of names beyond the bound. */
  public static final String OTHER = "other";

  /** The longest name kept as a tag value. */
  public static final int MAX_LENGTH = 128;

  private final int max;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  /** At most {@code max} distinct names become tag values. */
  public MethodTags(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must be >= 0: " + max);
    }
    this.max = max;
  }

  /** The tag value of {@code method}. */
  public String of(String method) {
    if (admitted.contains(method)) {
      return method;
    }
    if (method.length() > MAX_LENGTH) {
      return OTHER;
    }
    synchronized (this) { // the size check and the add together: never more than max
      if (admitted.size() < max) {
        admitted.add(method);
        return method;
      }
    }
    return admitted.contains(method) ? method : OTHER;
  }
}
