package io.callosum.examples.soak;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a soak found wrong: a count per kind and the first few descriptions of each. Any thread may
 * add; the summary reads it at the end.
 */
public final class Violations {
  /** Kinds of violation, each a broken promise of the library. */
  public enum Kind {
    /** a call got no result and no error within its timeout and a grace period. */
    MISSING,
    /** a call completed twice, or a server ran one call twice. */
    DUPLICATE,
    /** a call failed with something other than a {@code CallosumException}. */
    UNTYPED_ERROR,
    /** a call failed with an error that its kind of call cannot explain under network faults. */
    UNEXPECTED_ERROR,
    /** a call succeeded with a result that is not the answer to it. */
    WRONG_RESULT,
    /** replies or runs of one order key broke their policy (docs/ORDERING.md). */
    ORDER,
    /** a stream lost, repeated or reordered an item, or ended twice. */
    STREAM,
    /** a broadcast or pipeline item was repeated or reordered. */
    FANOUT,
    /** a server or gateway did not come back after a restart, or a client not after the faults. */
    RECOVERY,
    /** a peer's count of calls started and finished did not match. */
    ACCOUNTING,
    /** heap, file descriptors or threads did not return to their baseline. */
    RESOURCES
  }

  private static final int EXAMPLES_PER_KIND = 5;

  private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
  private final Map<Kind, List<String>> examples = new EnumMap<>(Kind.class);

  /** Records one violation of {@code kind}, described by {@code detail}. */
  public synchronized void add(Kind kind, String detail) {
    counts.merge(kind, 1L, Long::sum);
    List<String> some = examples.computeIfAbsent(kind, k -> new ArrayList<>());
    if (some.size() < EXAMPLES_PER_KIND) {
      some.add(detail);
    }
  }

  /** How many violations there were in all. */
  public synchronized long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** How many of {@code kind}. */
  public synchronized long count(Kind kind) {
    return counts.getOrDefault(kind, 0L);
  }

  /** The counts per kind, for the kinds that occurred. */
  public synchronized Map<Kind, Long> counts() {
    return new EnumMap<>(counts);
  }

  /** The first descriptions of {@code kind}. */
  public synchronized List<String> examples(Kind kind) {
    return List.copyOf(examples.getOrDefault(kind, List.of()));
  }
}
